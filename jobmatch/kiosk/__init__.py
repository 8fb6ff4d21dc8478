"""The self-service kiosk at /kiosk: job seekers identify, browse jobs, ask to be referred, sign up for training."""
