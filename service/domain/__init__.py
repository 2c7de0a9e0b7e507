"""Pure clinical core: findings in, scores and NOMS recommendations out (standard library only)."""
