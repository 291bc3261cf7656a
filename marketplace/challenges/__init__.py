"""揭榜挂帅 challenges: posting, review, the escrowed bounty, proposals, evaluation and
the decision (issue 17)."""
