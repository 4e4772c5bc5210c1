"""Action ids of observations of practice.

- OPEN_RECORD: value "<activity>:<group>:<observed person id>" opens the observer's form.
- RECORD: the same value, carrying the form's fields (observed_on, setting, consent, note).

Snooze and "why" are the digest's (handlers/reminders/ids.py); the item an observation reminder
snoozes is "observation:<observed person id>".
"""

OPEN_RECORD = "observation.open_record"
RECORD = "observation.record"
