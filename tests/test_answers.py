"""bouncecodes.answers: final outcomes, filters, the summary, the suppression list and the report's
figures, on record dicts as `bouncecodes classify` writes them (with and without the provenance
fields: a record that lacks one goes through)."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bouncecodes.answers import (
    FINAL_FIELDS,
    Filters,
    RecordError,
    Summary,
    deferral_kind,
    domain_of,
    final_outcomes,
    host_of,
    read_records,
    report_data,
    suppression_list,
    when,
)
from bouncecodes.registry import load_registry

NOW = datetime(2026, 3, 10, tzinfo=UTC)


def rec(recipient: str = "bob@example.org", reason: str = "userunknown", **kw: Any) -> dict[str, Any]:
    """A record as classify writes it (defaults: a hard bounce), plus whatever is given."""
    hard = kw.pop("hard", reason in ("userunknown", "hostunknown", "hasmoved"))
    permanent = kw.pop("permanent", hard or reason == "expired")
    base = {"file": "mail.log", "recipient": recipient, "status": "5.1.1" if hard else "4.2.2",
            "reply": "550" if hard else "452", "reason": reason, "hard": hard, "permanent": permanent, "detail": "",
            "action": "…", "provider": "", "rule": "enhanced:X.1.1", "diagnostic": "", "status_source": "bounce",
            "original_recipient": "", "direction": "outbound"}
    base.update(kw)
    return base


# -- time stamps ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("stamp", "expected"), [
    ("2026-03-02T09:17:00+01:00", datetime(2026, 3, 2, 8, 17, tzinfo=UTC)),
    ("2026-03-02 09:17:00", datetime(2026, 3, 2, 9, 17, tzinfo=UTC)),
    ("2026-03-02T09:17:00Z", datetime(2026, 3, 2, 9, 17, tzinfo=UTC)),
    ("Mar  2 09:17:00", datetime(2026, 3, 2, 9, 17, tzinfo=UTC)),
    ("Dec 31 23:59:59", datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC)),  # later than now: last year
    ("1772442850", datetime(2026, 3, 2, 9, 14, 10, tzinfo=UTC)),
    ("@4000000069a554ec00000000", datetime(2026, 3, 2, 9, 14, 10, tzinfo=UTC)),
    ("", None), ("yesterday", None), ("Foo  2 09:17:00", None),
])
def test_when_reads_the_time_stamps_of_logs(stamp: str, expected: datetime | None) -> None:
    assert when(stamp, NOW) == expected


def test_domain_of() -> None:
    assert domain_of("Bob@Example.ORG") == "example.org"
    assert domain_of("<bob@mx.example.org.>") == "mx.example.org"
    assert domain_of("postmaster") == ""


# -- final outcomes -----------------------------------------------------------------------------------


def test_deferrals_then_a_bounce_collapse_to_one_outcome_read_in_any_order() -> None:
    deferrals = [rec(reason="mailboxfull", queue_id="3F2A81C0B4", time=f"2026-03-01T0{h}:00:00") for h in (1, 2, 3)]
    bounce = rec(queue_id="3F2A81C0B4", time="2026-03-01T05:00:00")
    other = rec("eve@example.org", reason="mailboxfull", queue_id="4B", time="2026-03-01T06:00:00")
    no_queue = rec("zed@example.net")  # a bounce email: no queue id, goes through at once
    for records in ([*deferrals, bounce, other, no_queue], [bounce, other, no_queue, *reversed(deferrals)]):
        out = list(final_outcomes(records))
        assert out[0] is no_queue and "outcome" not in out[0]
        assert len(out) == 3
        final = out[1]
        assert final["reason"] == "userunknown" and final["outcome"] == "bounced"
        assert final["attempts"] == 4
        assert (final["first_seen"], final["last_seen"]) == ("2026-03-01T01:00:00", "2026-03-01T05:00:00")
        assert final["deferred_reason"] == "mailboxfull"
        still = out[2]
        assert (still["recipient"], still["outcome"], still["attempts"], still["deferred_reason"]) == (
            "eve@example.org", "deferred", 1, "")


def test_a_delivery_after_deferrals_is_the_outcome() -> None:
    out = list(final_outcomes([
        rec("eve@example.net", reason="blocked", detail="greylisting", queue_id="Q1", timestamp="Mar  1 09:10:00"),
        rec("eve@example.net", reason="delivered", hard=False, permanent=False, queue_id="Q1",
            timestamp="Mar  1 09:20:00"),
    ], NOW))
    assert [(r["outcome"], r["attempts"], r["deferred_reason"], r["first_seen"]) for r in out] == [
        ("delivered", 2, "blocked", "Mar  1 09:10:00")]


def test_an_expiry_without_a_recipient_ends_the_deferred_recipients_of_its_queue_id() -> None:
    records = [
        rec("bob@example.org", reason="networkerror", queue_id="Q9", time="2026-03-01T01:00:00"),
        rec("amy@example.org", reason="networkerror", queue_id="Q9", time="2026-03-01T01:00:01",
            original_recipient="amy.alias@example.org"),
        rec("amy@example.org", reason="networkerror", queue_id="Q9", time="2026-03-03T01:00:01",
            original_recipient="amy.alias@example.org"),
        rec("cyd@example.org", queue_id="Q9", time="2026-03-01T02:00:00"),  # bounced on its own
        rec("", reason="expired", permanent=True, queue_id="Q9", time="2026-03-06T01:00:00"),
    ]
    out = {r["recipient"]: r for r in final_outcomes(records)}
    assert set(out) == {"bob@example.org", "amy@example.org", "cyd@example.org"}
    assert out["amy@example.org"]["outcome"] == "expired"
    assert out["amy@example.org"]["attempts"] == 3
    assert out["amy@example.org"]["original_recipient"] == "amy.alias@example.org"
    assert out["amy@example.org"]["last_seen"] == "2026-03-06T01:00:00"
    assert out["amy@example.org"]["deferred_reason"] == "networkerror"
    assert out["bob@example.org"]["outcome"] == "expired"
    assert (out["cyd@example.org"]["outcome"], out["cyd@example.org"]["attempts"]) == ("bounced", 1)


def test_an_expiry_alone_goes_through_as_its_own_outcome() -> None:
    out = list(final_outcomes([rec("", reason="expired", permanent=True, queue_id="Q5")]))
    assert [(r["recipient"], r["outcome"], r["attempts"]) for r in out] == [("", "expired", 1)]


def test_queue_ids_of_two_hosts_and_two_directions_are_apart() -> None:
    out = list(final_outcomes([
        rec(reason="mailboxfull", queue_id="Q1", host="mx1"), rec(queue_id="Q1", host="mx2"),
        rec(reason="mailboxfull", queue_id="Q1", host="mx1", direction="inbound"),
    ]))
    assert sorted(r["outcome"] for r in out) == ["bounced", "deferred", "deferred"]


@pytest.mark.parametrize(("record", "host"), [
    ({"path": "hosts/mx1/mail.log"}, "hosts/mx1"), ({"path": "hosts/mx1/mail.log.1.gz"}, "hosts/mx1"),
    ({"path": "/var/log/mail.log"}, "/var/log"), ({"path": "/mail.log"}, "/"), ({"path": "logs\\mx2\\mail.log"}, "logs\\mx2"),
    ({"path": "mail.log"}, ""), ({"path": "-"}, ""), ({}, ""),  # a file in the current folder, stdin, an old run
    ({"path": "hosts/mx1/mail.log", "host": "relay1"}, "relay1"),
])
def test_host_of_is_the_folder_of_the_path(record: dict[str, Any], host: str) -> None:
    assert host_of(record) == host


def test_two_hosts_reusing_a_queue_id_are_apart_by_the_folder_of_their_logs() -> None:
    mx1, mx2 = "hosts/mx1/", "hosts/mx2/"
    records = [
        rec(reason="mailboxfull", queue_id="Q1", path=mx1 + "mail.log.1.gz", time="2026-03-01T01:00:00"),
        rec(reason="mailboxfull", queue_id="Q1", path=mx2 + "mail.log.1.gz", time="2026-03-01T01:30:00"),
        rec(queue_id="Q1", path=mx1 + "mail.log", time="2026-03-01T02:00:00"),  # mx1's rotated log and its current
        rec(reason="delivered", hard=False, queue_id="Q1", path=mx2 + "mail.log", time="2026-03-01T03:00:00"),
    ]
    out = list(final_outcomes(records))
    assert [(r["path"], r["outcome"], r["attempts"], r["deferred_reason"]) for r in out] == [
        (mx1 + "mail.log", "bounced", 2, "mailboxfull"), (mx2 + "mail.log", "delivered", 2, "mailboxfull")]
    # the same records from standard input (no folder): one host, one message
    merged = list(final_outcomes([{**r, "path": "-"} for r in records]))
    assert [(r["outcome"], r["attempts"]) for r in merged] == [("delivered", 4)]


def test_the_fields_of_a_final_outcome_are_documented() -> None:
    root = Path(__file__).resolve().parents[1]
    api = (root / "docs" / "api.md").read_text(encoding="utf-8")
    readme = (root / "README.md").read_text(encoding="utf-8")
    listed = re.findall(r"^- `([a-z_]+)`(?:, `([a-z_]+)`)?:", api.split("### Final outcomes", 1)[1], re.M)
    assert [name for pair in listed for name in pair if name] == FINAL_FIELDS
    assert [name for name in FINAL_FIELDS if f"`{name}`" not in readme] == []


def test_outcomes_of_a_saved_run_go_through_again_unchanged() -> None:
    first = list(final_outcomes([rec(reason="mailboxfull", queue_id="Q1"), rec(queue_id="Q1")]))
    assert list(final_outcomes(first)) == first


# -- filters -------------------------------------------------------------------------------------------


def test_filters() -> None:
    registry = load_registry()
    records = [rec("a@example.org"), rec("b@mx.example.org", reason="mailboxfull"),
               rec("c@example.net", reason="delivered", hard=False, permanent=False),
               rec("d@example.net", reason="vacation", hard=False, permanent=False),
               rec("e@notexample.org", reason="blocked")]
    keep = lambda f: [r["recipient"][0] for r in f.apply(records)]  # noqa: E731
    assert keep(Filters()) == list("abcde")
    assert keep(Filters(failures=True, registry=registry)) == list("abe")
    assert keep(Filters(failures=True)) == list("abe")  # without a registry, the same
    assert keep(Filters(hard=True)) == ["a"]
    assert keep(Filters(reasons=frozenset({"blocked", "mailboxfull"}))) == ["b", "e"]
    assert keep(Filters(domains=frozenset({"example.org"}))) == ["a", "b"]


# -- summary -------------------------------------------------------------------------------------------


def test_summary_counts_failures_by_reason_domain_provider_direction() -> None:
    s = Summary(load_registry(), NOW)
    for r in [rec("a@example.org", time="2026-03-01T10:00:00"), rec("A@EXAMPLE.ORG", time="2026-03-02T10:00:00"),
              rec("b@gmail.com", reason="blocked", provider="google"),
              rec("c@example.net", reason="delivered", hard=False, permanent=False),
              rec("d@example.net", reason="feedback", hard=False, permanent=False),
              rec("e@example.net", reason="mailboxfull", direction="inbound", timestamp="Feb 28 00:00:00")]:
        s.add(r)
    d = s.to_dict()
    assert (d["records"], d["failures"], d["hard"], d["soft"], d["delivered"], d["other"]) == (6, 4, 2, 2, 1, 1)
    assert (d["first_seen"], d["last_seen"]) == ("Feb 28 00:00:00", "2026-03-02T10:00:00")
    assert d["by_reason"][0] == {"key": "userunknown", "failures": 2, "hard": 2, "soft": 0, "recipients": 1}
    assert {r["key"]: r["failures"] for r in d["by_domain"]} == {"example.org": 2, "gmail.com": 1, "example.net": 1}
    assert {r["key"]: r["failures"] for r in d["by_provider"]} == {"": 3, "google": 1}
    assert {r["key"]: r["failures"] for r in d["by_direction"]} == {"outbound": 3, "inbound": 1}
    text = s.text(top=1)
    assert "6 record(s): 4 failure(s) (2 hard, 2 soft), 1 delivered, 1 other" in text
    assert "userunknown" in text and "mailboxfull" not in text and "… 2 more" in text
    assert json.loads(json.dumps(d)) == d


# -- suppression -----------------------------------------------------------------------------------------


def test_suppression_list() -> None:
    records = [
        rec("Bob@Example.ORG", time="2026-03-01T10:00:00"),
        rec("Bob@example.org", time="2026-03-02T10:00:00", status="5.1.1"),  # the same address: once
        rec("bob@example.org", time="2026-03-01T10:00:00"),  # another local part's case: another address
        rec("fwd@example.net", original_recipient="alias@Example.COM"),  # the address as sent
        rec("soft@example.org", reason="mailboxfull"),  # soft: not listed
        rec("back@example.org", time="2026-03-01T10:00:00"),
        rec("back@example.org", reason="delivered", hard=False, time="2026-03-04T10:00:00"),  # delivered since
        rec("late@example.org", reason="delivered", hard=False, time="2026-03-01T10:00:00"),
        rec("late@example.org", time="2026-03-05T10:00:00", reply="550", status="5.1.1"),
        rec("mine@example.org", direction="inbound"),  # a refusal this server gave: not an address to drop
        rec("", reason="hostunknown"),
    ]
    out = suppression_list(records)
    assert [e["address"] for e in out] == ["alias@example.com", "Bob@example.org", "bob@example.org",
                                           "late@example.org"]
    bob = out[1]
    assert (bob["reason"], bob["last_seen"], bob["code"], bob["count"]) == ("userunknown", "2026-03-02T10:00:00",
                                                                             "5.1.1", 2)


# -- reading saved runs ----------------------------------------------------------------------------------


def test_read_records_jsonl_and_json_list() -> None:
    records = [rec("a@example.org"), rec("b@example.org")]
    jsonl = "\n".join(json.dumps(r) for r in records) + "\n\n"
    assert list(read_records(io.StringIO(jsonl))) == records
    assert list(read_records(io.StringIO(json.dumps(records, indent=2)))) == records
    assert list(read_records(io.StringIO(""))) == []
    with pytest.raises(RecordError, match=r"run.jsonl:2: not a JSON record"):
        list(read_records(io.StringIO(json.dumps(records[0]) + "\nJan  1 mx postfix\n"), "run.jsonl"))
    with pytest.raises(RecordError, match="not of records"):
        list(read_records(io.StringIO("[1]\n"), "x"))
    with pytest.raises(RecordError, match="x:1: not a JSON object"):
        list(read_records(io.StringIO("1\n"), "x"))


# -- the report's figures ---------------------------------------------------------------------------------


def test_deferral_kinds() -> None:
    assert deferral_kind(rec(reason="blocked", detail="greylisting")) == "greylisting"
    assert deferral_kind(rec(reason="badreputation")) == "block"
    assert deferral_kind(rec(reason="speeding")) == "block"
    assert deferral_kind(rec(reason="mailboxfull")) == "other"
    assert deferral_kind(rec(reason="blocked", permanent=True)) == ""  # a bounce, not a deferral
    assert deferral_kind(rec(reason="delivered", hard=False)) == ""


def test_report_data_orders_causes_by_recipients_hit() -> None:
    records = ([rec(f"u{i}@example.org", reason="blocked", detail="spamhaus", time=f"2026-03-01T0{i}:00:00")
                for i in range(3)]
               + [rec("x@example.org", time="2026-03-01T01:30:00")] * 5  # one recipient, five records
               + [rec("g@example.net", reason="blocked", detail="greylisting")])
    data = report_data(records, load_registry(), NOW)
    assert [(c["reason"], c["detail"], c["recipients"], c["records"]) for c in data["causes"]] == [
        ("blocked", "spamhaus", 3, 3), ("userunknown", "", 1, 5), ("blocked", "greylisting", 1, 1)]
    assert data["undated"] == 1
    t = data["timeline"]
    assert t["unit"] == "hour" and t["reasons"] == ["userunknown", "blocked"]
    assert [b["counts"] for b in t["buckets"]] == [[0, 1], [5, 1], [0, 1]]
    assert {d["kind"]: d["records"] for d in data["deferrals"]} == {"greylisting": 1, "block": 3, "other": 0}


def test_an_expired_outcome_counts_under_the_cause_of_its_deferrals() -> None:
    records = list(final_outcomes([rec("a@example.net", reason="requireptr", queue_id="Q1"),
                                   rec("", reason="expired", permanent=True, queue_id="Q1")]))
    data = report_data(records, load_registry(), NOW)
    assert [(c["reason"], c["recipients"]) for c in data["causes"]] == [("requireptr", 1)]
    assert data["summary"]["by_reason"][0]["key"] == "expired"  # the summary keeps the outcome's reason
