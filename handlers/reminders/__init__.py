"""The one daily reminder message per person, gathered from every capability's due items."""
