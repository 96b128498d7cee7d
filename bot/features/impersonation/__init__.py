"""Fake accounts: staff report an account that impersonates the organisation or a colleague;
HR (or whoever handles the organisation's social media) sees them and marks them handled."""
