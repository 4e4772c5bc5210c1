"""Practice weeks stored: each week of the programme and its schedule of visits."""
