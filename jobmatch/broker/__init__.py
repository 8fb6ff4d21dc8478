"""Broker (劳务经纪人) pages: own postings, shortlists of consenting people, referrals and outcomes."""
