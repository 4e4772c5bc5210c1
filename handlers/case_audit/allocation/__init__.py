"""Who audits which case each period: the pure rules, their reasons, and running a round."""
