"""App ids named in dumpsys sections, taken only from the positions each section uses."""

from __future__ import annotations

from howsafe.parse.app_ids import app_ids_in

APPOPS = """Current AppOps Service state:
  Uid u0a300:
    state=cch
    Package com.gone.spyware:
      READ_SMS (allow):
          Access: [fg-s] 2024-04-30 10:00:00.000 (-5d3h) duration=+12ms
"""
BATTERY = """Battery History (2% used, 5KB used of 256KB, 45 strings using 3KB):
                    0 (10) RESET:TIME: 2024-04-30-10-00-00
   +1h00m00s000ms (2) 100 c0900422 +pkgunin=1000:"com.removed.app"
   +1h00m01s000ms (2) 100 c0900422 +top=u0a200:"com.top.app" wifi_signal_strength=4
"""
DBINFO = "Connection pool for /data/user/0/com.db.app/databases/notes.db:\n  Open: true\n"
ACTIVITY = (
    "  * TaskRecord{1a2b #12 A=com.example.task U=0 StackId=1 sz=1}\n    Intent { cmp=com.foo.bar/.MainActivity }\n"
)


def test_each_section_gives_the_ids_it_names() -> None:
    assert app_ids_in(APPOPS, "appops") == ("com.gone.spyware",)
    assert app_ids_in(BATTERY, "batterystats") == ("com.removed.app", "com.top.app")
    assert app_ids_in(DBINFO, "dbinfo") == ("com.db.app",)
    assert app_ids_in(ACTIVITY, "activity") == ("com.foo.bar",)


def test_plain_dotted_words_are_not_app_ids() -> None:
    text = "version 1.2.3 of example.org says wifi.supplicant.state is ok\n"
    assert app_ids_in(text) == ()
