"""Hand-written request frames for the two search intents, in 17 languages.

HAND-WRITTEN: every frame below was written by hand for this project (not generated or translated by a model, not
taken from a dataset). They are the training side of the ``requests`` dataset and are deliberately different from
the evaluation-only templates of :mod:`st_unimr.mteb.intent_rich_templates` (a test checks that no frame equals or
contains one of them).

A frame is a request with placeholders: ``{content}`` (required: what is looked for), and optionally ``{time}``
and ``{place}``. The words around a placeholder belong to the frame, so a slot value is only the phrase itself:

- ``{time}`` sits where an adverbial of time fits ("... I took {time}" → "... I took last month"). CLDR's relative
  phrases already are adverbials in every language ("last month", "letzten Monat", "в прошлом месяце"); month
  names and years need a preposition in some languages ("in March", "im März", "en 2023"), which
  :data:`TIME_PREFIX` puts before the phrase, outside the time span.
- ``{place}`` takes a country name in its citation form. Languages that would need the name inflected after a
  preposition (Polish, Russian, Ukrainian, Czech, Turkish, French, Portuguese) use a label construction instead
  ("(страна: {place})", "lieu : {place}"), as search boxes do.
- ``{content}`` also takes a citation form: case languages wrap it in a label or in quotes ("тема: {content}",
  "«{content}»").

:data:`TIME_KINDS` lists the kinds of CLDR time phrases (see :class:`~st_unimr.nlu.time_phrase.TimePhrase`) that
fit a language's frames: month names and years are left out where they would need inflection.

Example:
    ::

        from st_unimr.nlu.request_frames import FRAMES, frame_id

        frame = FRAMES["en"]["photo_search"][0]
        print(frame_id("en", "photo_search", frame), frame)
"""

from __future__ import annotations

import hashlib

__all__ = ["FRAMES", "TIME_KINDS", "TIME_PREFIX", "frame_id"]

FRAMES: dict[str, dict[str, list[str]]] = {
    "en": {
        "photo_search": [
            "please help me find a photo of {content} I took {time}",
            "show me pictures of {content} taken in {place}",
            "find my photos of {content} from the trip to {place} {time}",
            "I want to see the snapshots of {content}",
            "look for images of {content} that were taken {time}",
            "where is that photo of {content} from {place}?",
            "pull up pics of {content}",
            "search my gallery for {content}",
            "photos of {content} in {place} {time}",
            "can you dig out the picture of {content} I shot {time}?",
            "get me every shot of {content} taken {time} in {place}",
            "display the photo with {content} on it",
        ],
        "document_search": [
            "find the document about {content}",
            "any notes on {content} written {time}?",
            "open the file that mentions {content}",
            "search my documents for {content}",
            "where is the report on {content} I wrote {time}?",
            "look up the text about {content}",
            "I need the document on {content} from the office in {place}",
            "show me files about {content} saved {time}",
            "get the notes about {content} from my stay in {place}",
            "which document talks about {content}?",
            "find the article on {content} I read {time} in {place}",
            "bring up my notes on {content}",
        ],
    },
    "de": {
        "photo_search": [
            "such mir bitte die Fotos von {content}, die ich {time} gemacht habe",
            "zeig mir Bilder von {content} aus {place}",
            "wo ist das Foto mit {content}, aufgenommen {time} in {place}?",
            "finde Aufnahmen von {content}",
            "ich möchte die Bilder von {content} sehen, die {time} entstanden sind",
            "Fotos von {content} aus dem Urlaub in {place}",
            "durchsuche meine Galerie nach {content}",
            "hol mir das Bild von {content} vom Handy",
            "gibt es Schnappschüsse von {content}, die {time} gemacht wurden?",
            "Bilder mit {content} drauf, {time} in {place} fotografiert",
            "welche Fotos zeigen {content}?",
            "zeig die Urlaubsbilder mit {content}, {time}",
        ],
        "document_search": [
            "finde das Dokument über {content}",
            "such die Notizen zu {content}, die ich {time} geschrieben habe",
            "öffne die Datei, in der es um {content} geht",
            "wo ist der Bericht über {content} aus {place}?",
            "durchsuche meine Dokumente nach {content}",
            "zeig mir Texte über {content}, gespeichert {time}",
            "ich brauche die Unterlagen zu {content}",
            "welches Dokument handelt von {content}?",
            "hol mir den Artikel über {content}, den ich {time} in {place} gelesen habe",
            "gibt es Notizen zu {content}?",
            "such den Brief über {content}, geschrieben {time}",
            "Dateien über {content} vom Büro in {place}",
        ],
    },
    "fr": {
        "photo_search": [
            "retrouve-moi les photos de {content} prises {time}",
            "je voudrais voir les images de {content}",
            "où est la photo de {content} que j'ai prise {time} ?",
            "cherche dans ma galerie : {content}",
            "photos de {content}, lieu : {place}, {time}",
            "retrouve le cliché de {content} pris {time}",
            "affiche les photos de vacances avec {content} (lieu : {place})",
            "il me faut les photos de {content} prises {time} (pays : {place})",
            "fais-moi voir les images de {content}",
            "des photos de {content} ?",
            "recherche les images de {content} prises {time}",
        ],
        "document_search": [
            "trouve le document sur {content}",
            "retrouve mes notes sur {content} écrites {time}",
            "ouvre le fichier qui parle de {content}",
            "cherche dans mes documents : {content}",
            "où est le rapport sur {content} rédigé {time} ?",
            "affiche les textes sur {content}",
            "il me faut le dossier sur {content} (lieu : {place})",
            "quel document traite de {content} ?",
            "retrouve l'article sur {content} que j'ai lu {time}",
            "des notes sur {content} ?",
            "montre les fichiers sur {content} enregistrés {time}",
            "le compte rendu sur {content} (pays : {place})",
        ],
    },
    "es": {
        "photo_search": [
            "búscame las fotos de {content} que hice {time}",
            "enséñame fotos de {content} tomadas en {place}",
            "quiero ver las imágenes de {content}",
            "¿dónde está la foto de {content} que saqué {time}?",
            "busca en mi galería: {content}",
            "fotos de {content} en {place} {time}",
            "encuentra las instantáneas de {content} sacadas {time} en {place}",
            "ponme las fotos del viaje a {place} con {content}",
            "¿hay fotos de {content}?",
            "saca las imágenes de {content} hechas {time}",
            "muéstrame las fotos donde sale {content}",
        ],
        "document_search": [
            "encuentra el documento sobre {content}",
            "busca mis notas sobre {content} escritas {time}",
            "abre el archivo que habla de {content}",
            "busca en mis documentos: {content}",
            "¿dónde está el informe sobre {content} que redacté {time}?",
            "muéstrame los textos sobre {content}",
            "necesito el expediente de {content} de la oficina en {place}",
            "¿qué documento trata de {content}?",
            "recupera el artículo sobre {content} que leí {time} en {place}",
            "¿tienes apuntes sobre {content}?",
            "enséñame los archivos sobre {content} guardados {time}",
            "el acta sobre {content} de la reunión en {place}",
        ],
    },
    "it": {
        "photo_search": [
            "cercami le foto di {content} scattate {time}",
            "fammi vedere immagini di {content} fatte in {place}",
            "voglio vedere le immagini di {content}",
            "dov'è la foto di {content} che ho fatto {time}?",
            "cerca nella mia galleria: {content}",
            "foto di {content} in {place} {time}",
            "trova gli scatti di {content} fatti {time} in {place}",
            "mostra le foto della vacanza in {place} con {content}",
            "ci sono foto di {content}?",
            "recupera le immagini di {content} scattate {time}",
            "apri le foto dove c'è {content}",
            "mi mostri qualche immagine di {content}?",
        ],
        "document_search": [
            "trova il documento su {content}",
            "cerca i miei appunti su {content} scritti {time}",
            "apri il file che parla di {content}",
            "cerca nei miei documenti: {content}",
            "dov'è la relazione su {content} che ho scritto {time}?",
            "mostrami i testi su {content}",
            "mi serve la pratica su {content} dell'ufficio in {place}",
            "quale documento tratta di {content}?",
            "recupera l'articolo su {content} letto {time} in {place}",
            "ci sono note su {content}?",
            "fammi vedere i file su {content} salvati {time}",
            "il verbale su {content} della riunione in {place}",
        ],
    },
    "pt": {
        "photo_search": [
            "procura as fotos de {content} que tirei {time}",
            "quero ver as imagens de {content}",
            "onde está a foto de {content} tirada {time}?",
            "procura na minha galeria: {content}",
            "fotos de {content}, local: {place}, {time}",
            "encontra as fotografias de {content} feitas {time}",
            "abre as fotos das férias (local: {place}) com {content}",
            "há fotos de {content}?",
            "recupera as imagens de {content} tiradas {time} (país: {place})",
            "mostra-me fotografias onde se vê {content}",
            "dá-me as fotos de {content}",
        ],
        "document_search": [
            "encontra o documento sobre {content}",
            "procura as minhas notas sobre {content} escritas {time}",
            "abre o ficheiro que fala de {content}",
            "procura nos meus documentos: {content}",
            "onde está o relatório sobre {content} que escrevi {time}?",
            "mostra os textos sobre {content}",
            "preciso do processo sobre {content} (local: {place})",
            "que documento trata de {content}?",
            "recupera o artigo sobre {content} que li {time}",
            "há notas sobre {content}?",
            "mostra os ficheiros sobre {content} guardados {time}",
            "onde está a ata sobre {content} da reunião (país: {place})?",
        ],
    },
    "nl": {
        "photo_search": [
            "zoek de foto's van {content} die ik {time} heb gemaakt",
            "laat me plaatjes van {content} uit {place} zien",
            "ik wil de afbeeldingen van {content} bekijken",
            "waar is de foto van {content}, genomen {time}?",
            "zoek in mijn galerij naar {content}",
            "foto's van {content} in {place} {time}",
            "vind de kiekjes van {content} uit {place}, {time} gemaakt",
            "toon de vakantiefoto's met {content}",
            "zijn er foto's van {content}?",
            "haal de beelden van {content} op die {time} zijn gemaakt",
            "welke foto's laten {content} zien?",
        ],
        "document_search": [
            "vind het document over {content}",
            "zoek mijn notities over {content} die ik {time} schreef",
            "open het bestand waarin {content} staat",
            "doorzoek mijn documenten naar {content}",
            "waar is het verslag over {content} dat ik {time} schreef?",
            "laat de teksten over {content} zien",
            "ik heb het dossier over {content} van het kantoor in {place} nodig",
            "welk document gaat over {content}?",
            "haal het artikel over {content} op dat ik {time} in {place} las",
            "zijn er aantekeningen over {content}?",
            "toon bestanden over {content}, opgeslagen {time}",
        ],
    },
    "sv": {
        "photo_search": [
            "leta fram bilderna på {content} som jag tog {time}",
            "visa foton på {content} från {place}",
            "jag vill se bilderna på {content}",
            "var är fotot på {content} som togs {time}?",
            "sök i mitt galleri efter {content}",
            "foton på {content} i {place} {time}",
            "hitta korten på {content} tagna {time} i {place}",
            "visa semesterbilderna med {content}",
            "finns det foton på {content}?",
            "ta fram bilderna på {content} från resan till {place}",
            "vilka foton visar {content}?",
        ],
        "document_search": [
            "hitta dokumentet om {content}",
            "leta fram mina anteckningar om {content} som jag skrev {time}",
            "öppna filen som handlar om {content}",
            "sök i mina dokument efter {content}",
            "var är rapporten om {content} från kontoret i {place}?",
            "visa texterna om {content}",
            "jag behöver underlagen om {content}",
            "vilket dokument handlar om {content}?",
            "ta fram artikeln om {content} som jag läste {time}",
            "finns det anteckningar om {content}?",
            "visa filer om {content} sparade {time}",
            "ta fram protokollet om {content} från mötet i {place}",
        ],
    },
    "pl": {
        "photo_search": [
            "znajdź zdjęcia zrobione {time}, temat: {content}",
            "pokaż fotki z kategorii: {content}",
            "szukam zdjęć z wakacji (kraj: {place}), na których jest {content}",
            "gdzie jest fotka zrobiona {time}, na której jest {content}?",
            "przeszukaj galerię: {content}",
            "zdjęcia {time}, kraj: {place}, temat: {content}",
            "chcę zobaczyć zdjęcia z hasłem: {content}",
            "wyświetl fotografie, na których jest {content}",
            "czy są zdjęcia z hasłem „{content}”?",
            "daj mi fotki zrobione {time} (kraj: {place}), temat: {content}",
            "otwórz galerię z hasłem: {content}",
        ],
        "document_search": [
            "znajdź dokument na temat: {content}",
            "szukam notatek napisanych {time}, temat: {content}",
            "otwórz plik z hasłem: {content}",
            "przeszukaj moje dokumenty: {content}",
            "gdzie jest raport z biura (kraj: {place}) na temat: {content}?",
            "pokaż teksty z hasłem „{content}”",
            "potrzebuję dokumentów zapisanych {time}, temat: {content}",
            "który dokument dotyczy tematu: {content}?",
            "wyszukaj artykuł przeczytany {time}, temat: {content}",
            "czy mam notatki z hasłem: {content}?",
            "otwórz protokół ze spotkania (kraj: {place}), temat: {content}",
        ],
    },
    "ru": {
        "photo_search": [
            "найди фотографии, снятые {time}, по теме «{content}»",
            "покажи снимки с тегом «{content}»",
            "где фото, сделанное {time}, на котором есть {content}?",
            "поищи в галерее: {content}",
            "снимки {time}, страна: {place}, тема: {content}",
            "хочу посмотреть фотки по теме «{content}»",
            "открой фотографии из поездки (страна: {place}) с тегом «{content}»",
            "есть фотки с тегом «{content}»?",
            "подбери снимки, сделанные {time}, тема: {content}",
            "выдай фотографии, где видно следующее: {content}",
            "покажи фото {time} с тегом «{content}»",
        ],
        "document_search": [
            "найди документ на тему «{content}»",
            "поищи заметки, написанные {time}, тема: {content}",
            "открой файл, где говорится о следующем: {content}",
            "поищи в моих документах: {content}",
            "где отчёт из офиса (страна: {place}) на тему «{content}»?",
            "покажи тексты по теме «{content}»",
            "нужны документы, сохранённые {time}, тема: {content}",
            "какой документ посвящён теме «{content}»?",
            "найди статью, которую я читал {time}, тема: {content}",
            "есть ли заметки по теме «{content}»?",
            "открой протокол встречи (страна: {place}), тема: {content}",
        ],
    },
    "uk": {
        "photo_search": [
            "знайди фотографії, зроблені {time}, на тему «{content}»",
            "покажи знімки з тегом «{content}»",
            "де фото, зроблене {time}, на якому є {content}?",
            "пошукай у галереї: {content}",
            "знімки {time}, країна: {place}, тема: {content}",
            "хочу подивитися фотки на тему «{content}»",
            "відкрий фотографії з поїздки (країна: {place}) з тегом «{content}»",
            "чи є фотки з тегом «{content}»?",
            "добери знімки, зроблені {time}, тема: {content}",
            "покажи фото {time} з тегом «{content}»",
        ],
        "document_search": [
            "знайди документ на тему «{content}»",
            "пошукай нотатки, написані {time}, тема: {content}",
            "відкрий файл, де йдеться про таке: {content}",
            "пошукай у моїх документах: {content}",
            "де звіт з офісу (країна: {place}) на тему «{content}»?",
            "покажи тексти на тему «{content}»",
            "потрібні документи, збережені {time}, тема: {content}",
            "який документ присвячений темі «{content}»?",
            "знайди статтю, яку я читав {time}, тема: {content}",
            "чи є нотатки на тему «{content}»?",
            "відкрий протокол зустрічі (країна: {place}), тема: {content}",
        ],
    },
    "cs": {
        "photo_search": [
            "najdi fotky pořízené {time}, téma: {content}",
            "ukaž mi snímky se štítkem „{content}“",
            "kde je fotka pořízená {time}, na které je {content}?",
            "prohledej galerii: {content}",
            "snímky {time}, země: {place}, téma: {content}",
            "chci vidět obrázky se štítkem „{content}“",
            "otevři fotky z dovolené (země: {place}) se štítkem „{content}“",
            "jsou nějaké fotky na téma „{content}“?",
            "vyber snímky pořízené {time}, téma: {content}",
            "zobraz fotografie, na kterých je {content}",
        ],
        "document_search": [
            "najdi dokument na téma „{content}“",
            "vyhledej poznámky napsané {time}, téma: {content}",
            "otevři soubor se štítkem „{content}“",
            "prohledej moje dokumenty: {content}",
            "kde je zpráva z kanceláře (země: {place}) na téma „{content}“?",
            "ukaž texty na téma „{content}“",
            "potřebuji dokumenty uložené {time}, téma: {content}",
            "který dokument se týká tématu „{content}“?",
            "najdi článek, který jsem četl {time}, téma: {content}",
            "mám nějaké poznámky na téma „{content}“?",
            "otevři zápis ze schůzky (země: {place}), téma: {content}",
        ],
    },
    "tr": {
        "photo_search": [
            "{time} çektiğim fotoğrafları bul, konu: {content}",
            "“{content}” etiketli resimleri göster",
            "{time} çekilen ve içinde {content} görünen fotoğraf nerede?",
            "galerimde ara: {content}",
            "fotoğraflar: {time}, yer: {place}, konu: {content}",
            "konusu “{content}” olan resimleri görmek istiyorum",
            "tatil fotoğraflarını aç (yer: {place}), etiket: {content}",
            "“{content}” etiketli fotoğraf var mı?",
            "{time} çekilmiş kareleri bul, konu: {content}",
            "konusu “{content}” olan fotoğrafları listele",
        ],
        "document_search": [
            "“{content}” konulu belgeyi bul",
            "{time} yazdığım notları ara, konu: {content}",
            "içinde “{content}” geçen dosyayı aç",
            "belgelerimde ara: {content}",
            "ofisten gelen rapor nerede (yer: {place}), konu: {content}?",
            "“{content}” konulu metinleri göster",
            "{time} kaydedilen belgelere ihtiyacım var, konu: {content}",
            "hangi belge “{content}” hakkında?",
            "{time} okuduğum makaleyi bul, konu: {content}",
            "“{content}” hakkında not var mı?",
            "toplantı tutanağını aç (yer: {place}), konu: {content}",
        ],
    },
    "ja": {
        "photo_search": [
            "{time}の{content}の写真を見せて",
            "{place}で撮った{content}の写真はどこ？",
            "ギャラリーから{content}を検索して",
            "{time}、{place}で撮影した{content}の写真",
            "{content}が写った画像を一覧で出して",
            "{place}旅行の写真から{content}のものを出して",
            "{content}の写真ってある？",
            "{time}の写真の中から{content}を探して",
            "{content}の画像を開いて",
            "{content}のスナップを表示",
            "{time}に撮影した{content}の写真を探して",
        ],
        "document_search": [
            "{content}についての資料を探して",
            "{time}のメモから{content}に関するものを出して",
            "{content}について書かれたファイルを開いて",
            "文書フォルダで{content}を検索して",
            "{place}の事務所の{content}に関する報告書はどこ？",
            "{content}に関するテキストを見せて",
            "{time}に保存した{content}の書類が必要",
            "{content}を扱っている文書はどれ？",
            "{time}に読んだ{content}の記事を探して",
            "{content}についてのメモある？",
            "{place}での会議の{content}に関する議事録を開いて",
        ],
    },
    "zh": {
        "photo_search": [
            "帮我找{time}拍的{content}的照片",
            "给我看在{place}拍的{content}的照片",
            "我想看{content}的相片",
            "{time}拍的那张{content}的照片在哪儿？",
            "在相册里搜一下{content}",
            "{time}在{place}拍的{content}照片",
            "把去{place}旅行时拍的{content}的照片找出来",
            "有{content}的照片吗？",
            "调出{time}拍的{content}的图",
            "打开拍到{content}的那些照片",
        ],
        "document_search": [
            "找一下关于{content}的文档",
            "帮我找{time}写的关于{content}的笔记",
            "打开讲{content}的那个文件",
            "在我的文档里搜索{content}",
            "{place}办事处那份关于{content}的报告在哪儿？",
            "给我看关于{content}的文字材料",
            "我需要{time}保存的关于{content}的资料",
            "哪个文档是讲{content}的？",
            "找出我{time}读过的关于{content}的文章",
            "有没有关于{content}的笔记？",
            "打开在{place}开会时关于{content}的会议记录",
        ],
    },
    "ar": {
        "photo_search": [
            "ابحث عن صور {content} التي التقطتها {time}",
            "اعرض صورًا عن {content} ملتقطة في {place}",
            "أريد أن أرى صور {content}",
            "أين الصورة التي التقطتها {time} وفيها {content}؟",
            "ابحث في معرض الصور عن {content}",
            "صور {content} في {place} {time}",
            "افتح صور الرحلة إلى {place} التي فيها {content}",
            "هل توجد صور عن {content}؟",
            "أظهر اللقطات الخاصة بـ{content} التي صُوّرت {time}",
            "هات صور {content}",
        ],
        "document_search": [
            "ابحث عن المستند الخاص بـ{content}",
            "ابحث عن ملاحظاتي حول {content} التي كتبتها {time}",
            "افتح الملف الذي يتحدث عن {content}",
            "ابحث في مستنداتي عن {content}",
            "أين التقرير عن {content} من المكتب في {place}؟",
            "اعرض النصوص حول {content}",
            "أحتاج الوثائق المتعلقة بـ{content} المحفوظة {time}",
            "أي مستند يتناول {content}؟",
            "ابحث عن المقال حول {content} الذي قرأته {time}",
            "هل لدي ملاحظات حول {content}؟",
            "افتح محضر الاجتماع في {place} بشأن {content}",
        ],
    },
    "id": {
        "photo_search": [
            "carikan foto {content} yang saya ambil {time}",
            "perlihatkan gambar {content} yang diambil di {place}",
            "saya ingin melihat foto-foto {content}",
            "di mana foto {content} yang diambil {time}?",
            "cari di galeri: {content}",
            "foto {content} di {place} {time}",
            "temukan jepretan {content} dari liburan di {place}",
            "ada foto {content}?",
            "buka foto {content} yang dipotret {time}",
            "tolong tampilkan potret {content}",
        ],
        "document_search": [
            "temukan dokumen tentang {content}",
            "cari catatan saya tentang {content} yang ditulis {time}",
            "buka berkas yang membahas {content}",
            "cari di dokumen saya: {content}",
            "di mana laporan tentang {content} dari kantor di {place}?",
            "tampilkan teks tentang {content}",
            "saya perlu berkas {content} yang disimpan {time}",
            "dokumen mana yang membahas {content}?",
            "carikan artikel tentang {content} yang saya baca {time}",
            "ada catatan tentang {content}?",
            "buka notulen rapat di {place} tentang {content}",
        ],
    },
}

_ALL_KINDS = ("relative", "ago", "month", "year")
# Month names and years would need a case ending or suffix after these frames' words (Polish, Russian, Ukrainian,
# Czech, Turkish), so those languages take only the adverbial CLDR phrases.
_ADVERBIAL_ONLY = ("relative", "ago")
#: The kinds of CLDR time phrases that fit each language's frames.
TIME_KINDS: dict[str, tuple[str, ...]] = {
    lang: _ADVERBIAL_ONLY if lang in {"pl", "ru", "uk", "cs", "tr"} else _ALL_KINDS for lang in FRAMES
}
#: Words put before a month name or year (outside the time span) so that it reads as an adverbial of time.
TIME_PREFIX: dict[str, dict[str, str]] = {
    "en": {"month": "in ", "year": "in "},
    "de": {"month": "im "},
    "fr": {"month": "en ", "year": "en "},
    "es": {"month": "en ", "year": "en "},
    "it": {"month": "a ", "year": "nel "},
    "pt": {"month": "em ", "year": "em "},
    "nl": {"month": "in ", "year": "in "},
    "sv": {"month": "i ", "year": "år "},
    "ar": {"month": "في ", "year": "في "},
    "id": {"month": "pada bulan ", "year": "pada tahun "},
}


def frame_id(lang: str, intent: str, frame: str) -> str:
    """A stable id for a frame, from its text (so reordering or adding frames keeps the ids and the splits).

    Example:
        ::

            frame_id("en", "photo_search", "pull up pics of {content}")  # 'en:photo_search:3f0c...'
    """
    digest = hashlib.sha256(f"{lang}\x00{intent}\x00{frame}".encode()).hexdigest()[:10]
    return f"{lang}:{intent}:{digest}"
