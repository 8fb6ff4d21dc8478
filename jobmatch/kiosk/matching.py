"""The kiosk's one door to the matching engine (``jobmatch.matching.service``)."""

from __future__ import annotations

from dataclasses import dataclass

from jobmatch.matching import service


@dataclass(frozen=True)
class Ranked:
    """One posting offered to the person, with the engine's score and its reasons (best first)."""

    posting_id: int
    score: float
    reasons: tuple[str, ...]


def rank_person(person_id: int, *, top: int = 60, ask_out_of_area: bool = False) -> list[Ranked] | None:
    """The person's best open postings with their reasons; None while the engine's snapshot does not
    hold the person yet (just registered; the engine rebuilds in the background)."""
    try:
        ranking = service.rank_for_person(person_id, top=top, ask_out_of_area=ask_out_of_area)
    except service.UnknownPerson:
        return None
    return [Ranked(int(r.posting_id), float(r.score), tuple(r.reasons or ())) for r in list(ranking.results)[:top]]
