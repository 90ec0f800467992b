"""Referral / fission (裂变) campaigns: the fission tool's invite events."""
