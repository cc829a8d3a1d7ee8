"""A tiny CLDR tree (two locales, plural rules, parent locales) for fast tests of ``st_unimr.nlu.cldr_phrases``."""

from __future__ import annotations

from pathlib import Path

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def write_fake_cldr(root: Path) -> Path:
    """Write ``usr/share/unicode/cldr/common/{main,supplemental}`` under ``root`` and return ``root``."""
    common = root / "usr/share/unicode/cldr/common"
    (common / "main").mkdir(parents=True)
    (common / "supplemental").mkdir(parents=True)
    months = "".join(f'<month type="{i}">{name}</month>' for i, name in enumerate(MONTHS, start=1))
    (common / "main/en.xml").write_text(
        f"""<?xml version="1.0" encoding="UTF-8" ?>
<ldml><localeDisplayNames><territories>
<territory type="001">World</territory><territory type="FR">France</territory>
<territory type="US">United States</territory><territory type="US" alt="short">US</territory>
</territories></localeDisplayNames>
<dates><calendars><calendar type="gregorian">
<months><monthContext type="format"><monthWidth type="wide">{months}</monthWidth></monthContext></months>
<dateTimeFormats><availableFormats><dateFormatItem id="y">y</dateFormatItem>
<dateFormatItem id="yMMMM">MMMM y</dateFormatItem></availableFormats></dateTimeFormats>
</calendar></calendars>
<fields>
<field type="day"><relative type="-1">yesterday</relative><relative type="0">today</relative>
<relativeTime type="past"><relativeTimePattern count="one">{{0}} day ago</relativeTimePattern>
<relativeTimePattern count="other">{{0}} days ago</relativeTimePattern></relativeTime></field>
<field type="month"><relative type="-1">last month</relative><relative type="0">this month</relative>
<relativeTime type="past"><relativeTimePattern count="one">{{0}} month ago</relativeTimePattern>
<relativeTimePattern count="other">{{0}} months ago</relativeTimePattern></relativeTime></field>
<field type="month-short"><relative type="-1">last mo.</relative></field>
</fields></dates></ldml>
""",
        encoding="utf-8",
    )
    (common / "main/en_GB.xml").write_text(
        '<ldml><dates><fields><field type="month"><relative type="-1">the previous month</relative></field>'
        "</fields></dates></ldml>",
        encoding="utf-8",
    )
    (common / "supplemental/supplementalData.xml").write_text(
        '<supplementalData><parentLocales><parentLocale parent="root" locales="zh_Hant"/></parentLocales>'
        "</supplementalData>",
        encoding="utf-8",
    )
    (common / "supplemental/plurals.xml").write_text(
        '<supplementalData><plurals type="cardinal"><pluralRules locales="en">'
        '<pluralRule count="one">i = 1 and v = 0 @integer 1</pluralRule>'
        '<pluralRule count="other"> @integer 0, 2~16</pluralRule></pluralRules></plurals></supplementalData>',
        encoding="utf-8",
    )
    return root
