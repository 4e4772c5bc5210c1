"""Action ids of observations of practice.

- OPEN_RECORD: value "<activity>:<group>:<observed person id>" (or, for a cadence that binds the
  observer, "<activity>:<group>:by<observer id>") opens the observer's form.
- RECORD: the same value, carrying the form's fields (observed, observed_on, setting, consent,
  strengths, areas, actions, actions_due).
- OPEN_REFLECTION: value "<observation id>" opens the observed worker's reflection form.
- REFLECT: the same value, carrying the field "reflection".

Snooze and "why" are the digest's (handlers/reminders/ids.py); the item an observation reminder
snoozes is "observation:<observed person id>" (or "observation:<observer id>" for the
observer's own cadence).
"""

OPEN_RECORD = "observation.open_record"
RECORD = "observation.record"
OPEN_REFLECTION = "observation.open_reflection"
REFLECT = "observation.reflect"
