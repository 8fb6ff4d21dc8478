"""The policy layer: a reserved share of the top places, with a floor, applied after the model."""

from __future__ import annotations

import numpy as np

from jobmatch.matching.policy import PolicyConfig, apply, priority_reasons


def test_promotes_priority_people_into_reserved_places():
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4, 0.3])
    pri = np.array([0, 0, 0, 0, 0, 1, 0, 1], bool)
    res = apply(scores, pri, k=5, config=PolicyConfig(reserved_share=0.4, min_score=0.0, min_relative=0.5))
    assert res.model_order.tolist() == [0, 1, 2, 3, 4, 5, 6, 7]
    assert res.reserved == 2
    # the two priority people (5, 7) enter the top 5, pushing out the two lowest non-priority (3, 4)
    assert res.policy_order[:5].tolist() == [0, 1, 2, 5, 7]
    assert res.policy_order[5:].tolist() == [3, 4, 6]
    assert res.notes[5] == "按政策优先进入前 5 名（按分数排第 6 名）"
    assert "移出前 5 名" in res.notes[4]
    # scores are untouched
    assert scores.tolist() == [0.9, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4, 0.3]


def test_floor_keeps_unsuited_people_out():
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.05])
    pri = np.array([0, 0, 0, 0, 1], bool)
    res = apply(scores, pri, k=3, config=PolicyConfig(reserved_share=0.34, min_score=0.02, min_relative=0.5))
    assert res.floor == 0.35  # half the 3rd place's score
    assert res.policy_order.tolist() == res.model_order.tolist()
    assert not res.notes


def test_no_change_when_enough_priority_people_are_already_on_top():
    scores = np.array([0.9, 0.8, 0.7, 0.6])
    pri = np.array([1, 0, 0, 1], bool)
    res = apply(scores, pri, k=3, config=PolicyConfig(reserved_share=0.3))
    assert res.policy_order.tolist() == [0, 1, 2, 3]


def test_public_welfare_posts_reserve_more():
    scores = np.linspace(1, 0.5, 10)
    pri = np.array([0] * 6 + [1] * 4, bool)
    cfg = PolicyConfig(reserved_share=0.2, public_welfare_share=0.5, min_score=0, min_relative=0)
    normal = apply(scores, pri, k=4, config=cfg)
    pw = apply(scores, pri, k=4, config=cfg, public_welfare=True)
    assert int(pri[normal.policy_order[:4]].sum()) == 1
    assert int(pri[pw.policy_order[:4]].sum()) == 2
    assert "预留 2 个名额" in cfg.describe(4, public_welfare=True)


def test_priority_reasons_follow_the_config():
    assert priority_reasons(True, True, PolicyConfig()) == ["零就业家庭成员", "监测对象"]
    assert priority_reasons(True, True, PolicyConfig(monitored=False)) == ["零就业家庭成员"]
    assert priority_reasons(False, False, PolicyConfig()) == []


def test_empty_and_short_lists():
    res = apply(np.array([]), np.array([], bool), k=5, config=PolicyConfig())
    assert res.policy_order.tolist() == []
    res = apply(np.array([0.5]), np.array([True]), k=5, config=PolicyConfig())
    assert res.policy_order.tolist() == [0]
