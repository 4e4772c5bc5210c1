"""What observations of practice keep: the staff they track and the observations recorded."""
