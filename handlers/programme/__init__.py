"""The programme: a council's framework as a validated file of activities, and its presets."""
