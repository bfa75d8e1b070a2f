"""Capacity management as pure functions: DescribeTable parsing, raise and restore requests,
AWS's decrease and switch rules (which DynamoDB Local does not enforce), quotas, costs and the
writer's budget."""

from __future__ import annotations

import dataclasses
import os
import signal
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobs.capacity.budget import capacity_in_force, write_budget
from jobs.capacity.changes import (
    Wanted,
    apply_request,
    projected,
    raise_plan,
    restore_request,
    without_reported_values,
)
from jobs.capacity.guard import Terminated, _refuse_if_unsafe, signals_as_interrupts
from jobs.capacity.model import Resource, TableCapacity, from_description, from_doc, to_doc
from jobs.capacity.preview import CapacityPreview, finish_preview, render_capacity
from jobs.capacity.rules import (
    Limits,
    earliest_decrease,
    hourly_cost,
    quota_problems,
    raise_cost,
    restore_window,
    switch_to_on_demand_warning,
)
from jobs.capacity.table_checks import Managed, check_table, managed_tables
from jobs.config import WriteSettings, parse_config
from jobs.core.errors import ConfigError, TerminalError

from .test_config import VALID

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _gsi(name: str, read: int, write: int, **extra) -> dict:
    return {
        "IndexName": name,
        "IndexStatus": "ACTIVE",
        "ProvisionedThroughput": {"ReadCapacityUnits": read, "WriteCapacityUnits": write, "NumberOfDecreasesToday": 0},
        **extra,
    }


def provisioned(read=5, write=5, gsis=(("by_name", 5, 5), ("by_sk", 5, 5)), decreases=0, last=None) -> TableCapacity:
    return from_description(
        {
            "TableName": "orders",
            "TableStatus": "ACTIVE",
            "ProvisionedThroughput": {
                "ReadCapacityUnits": read,
                "WriteCapacityUnits": write,
                "NumberOfDecreasesToday": decreases,
                "LastDecreaseDateTime": last or EPOCH,
            },
            "GlobalSecondaryIndexes": [_gsi(*g) for g in gsis],
        }
    )


def on_demand(warm: int | None = 4000, maximum: int | None = None) -> TableCapacity:
    table: dict[str, Any] = {
        "TableName": "orders",
        "TableStatus": "ACTIVE",
        "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
        "ProvisionedThroughput": _units(0, 0),
        # DynamoDB Local keeps an index's old units after a switch to on-demand:
        "GlobalSecondaryIndexes": [_gsi("by_name", 5, 100)],
    }
    if warm is not None:
        table["WarmThroughput"] = {"ReadUnitsPerSecond": 12000, "WriteUnitsPerSecond": warm, "Status": "ACTIVE"}
        table["GlobalSecondaryIndexes"][0]["WarmThroughput"] = {
            "ReadUnitsPerSecond": 12000,
            "WriteUnitsPerSecond": warm,
        }
    if maximum is not None:
        table["OnDemandThroughput"] = {"MaxReadRequestUnits": -1, "MaxWriteRequestUnits": maximum}
    return from_description(table)


# --- parsing -------------------------------------------------------------------------------------


def test_description_of_a_provisioned_table_with_gsis():
    capacity = provisioned(5, 7, decreases=2, last=datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    assert capacity.billing_mode == "PROVISIONED" and not capacity.on_demand
    assert (capacity.base.read, capacity.base.write, capacity.base.decreases_today) == (5, 7, 2)
    assert capacity.base.last_decrease == datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    assert [(i.name, i.read, i.write) for i in capacity.indexes] == [("by_name", 5, 5), ("by_sk", 5, 5)]
    assert capacity.settings() == ("PROVISIONED", (5, 7), (("by_name", 5, 5), ("by_sk", 5, 5)))
    assert capacity.describe() == "provisioned 5 RCU / 7 WCU; GSI by_name 5 RCU / 5 WCU; GSI by_sk 5 RCU / 5 WCU"
    assert not capacity.warm_reported


def test_description_of_an_on_demand_table_ignores_stale_gsi_units_and_reads_warm_and_maximum():
    capacity = on_demand(warm=4000, maximum=900)
    assert capacity.on_demand and capacity.warm_reported
    assert [(i.name, i.read, i.write, i.warm_write) for i in capacity.indexes] == [("by_name", 0, 0, 4000)]
    assert (capacity.base.max_write, capacity.base.max_read) == (900, None)  # -1 means no maximum
    assert capacity.settings() == ("PAY_PER_REQUEST", ("by_name",))
    assert capacity.describe() == "on-demand warm 4,000 WCU/s; GSIs by_name"


def test_the_epoch_dynamodb_local_reports_means_never_and_records_round_trip():
    capacity = provisioned()
    assert capacity.base.last_decrease is None and capacity.last_switch_to_on_demand is None
    stamped = provisioned(decreases=3, last=datetime(2026, 3, 10, 14, 1, tzinfo=UTC))
    for value in (capacity, stamped, on_demand(maximum=50)):
        assert from_doc(to_doc(value)) == value


# --- raise and restore requests -----------------------------------------------------------------------


def _units(read: int, write: int) -> dict:
    return {"ReadCapacityUnits": read, "WriteCapacityUnits": write}


def _index_units(name: str, read: int, write: int) -> dict:
    return {"Update": {"IndexName": name, "ProvisionedThroughput": _units(read, write)}}


def test_raising_a_provisioned_table_and_its_gsis():
    plan = raise_plan(provisioned(), Wanted(write_units=400, index_write_units=300))
    assert plan.requests == (
        {
            "ProvisionedThroughput": _units(5, 400),
            "GlobalSecondaryIndexUpdates": [
                _index_units("by_name", 5, 300),
                _index_units("by_sk", 5, 300),
            ],
        },
    )
    assert plan.notes == ()


def test_raising_never_lowers_and_says_so():
    plan = raise_plan(provisioned(5, 900, gsis=(("by_name", 5, 50), ("by_sk", 5, 2000))), Wanted(write_units=1000))
    assert plan.requests == (
        {
            "ProvisionedThroughput": _units(5, 1000),
            "GlobalSecondaryIndexUpdates": [_index_units("by_name", 5, 1000)],
        },
    )
    assert plan.notes == ("GSI by_sk already has 2,000 WCU (asked for 1,000); left as is",)
    assert raise_plan(provisioned(10, 10, gsis=()), Wanted(read_units=8)).requests == ()


def test_switch_to_on_demand_and_warm_throughput():
    plan = raise_plan(provisioned(), Wanted(on_demand=True))
    assert plan.requests == ({"BillingMode": "PAY_PER_REQUEST"},)
    assert raise_plan(on_demand(), Wanted(on_demand=True)).notes == ("table orders is already on-demand; left as is",)
    warm = raise_plan(on_demand(warm=4000), Wanted(warm_write_units_per_s=20000))
    assert warm.requests == (
        {"WarmThroughput": {"WriteUnitsPerSecond": 20000}},
        {
            "GlobalSecondaryIndexUpdates": [
                {"Update": {"IndexName": "by_name", "WarmThroughput": {"WriteUnitsPerSecond": 20000}}}
            ]
        },
    )
    unreported = raise_plan(on_demand(warm=None), Wanted(warm_write_units_per_s=20000))
    assert unreported.requests == () and "DynamoDB Local does not implement it" in unreported.notes[0]
    assert "only set on on-demand tables" in raise_plan(provisioned(), Wanted(warm_write_units_per_s=9)).notes[0]
    assert "provisioned units do not apply" in raise_plan(on_demand(), Wanted(write_units=9)).notes[0]


def test_restore_from_on_demand_sets_every_gsi_and_only_differences_otherwise():
    original = provisioned()
    assert restore_request(original, apply_request(original, {"BillingMode": "PAY_PER_REQUEST"})) == {
        "BillingMode": "PROVISIONED",
        "ProvisionedThroughput": _units(5, 5),
        "GlobalSecondaryIndexUpdates": [
            _index_units("by_name", 5, 5),
            _index_units("by_sk", 5, 5),
        ],
    }
    only_one_gsi = provisioned(gsis=(("by_name", 5, 5), ("by_sk", 5, 80)))
    assert restore_request(original, only_one_gsi) == {"GlobalSecondaryIndexUpdates": [_index_units("by_sk", 5, 5)]}
    assert restore_request(original, provisioned()) is None
    assert restore_request(on_demand(), on_demand(warm=90000)) is None  # warm throughput is never lowered


def test_index_updates_equal_to_what_dynamodb_local_still_reports_are_dropped():
    request = restore_request(provisioned(), apply_request(provisioned(), {"BillingMode": "PAY_PER_REQUEST"}))
    assert request is not None
    trimmed = without_reported_values(request, {"by_name": (5, 5), "by_sk": (0, 0)})
    assert [u["Update"]["IndexName"] for u in trimmed["GlobalSecondaryIndexUpdates"]] == ["by_sk"]
    assert "GlobalSecondaryIndexUpdates" not in without_reported_values(request, {"by_name": (5, 5), "by_sk": (5, 5)})


units = st.integers(min_value=1, max_value=40000)


@given(
    read=units,
    write=units,
    index_units=st.lists(st.tuples(units, units), max_size=3),
    wanted=st.builds(
        Wanted,
        write_units=st.none() | units,
        index_write_units=st.none() | units,
        read_units=st.none() | units,
        on_demand=st.booleans(),
    ).filter(lambda w: not (w.on_demand and (w.write_units or w.index_write_units or w.read_units))),
)
def test_raise_then_restore_is_the_original_and_raising_never_lowers(read, write, index_units, wanted):
    original = provisioned(read, write, gsis=tuple((f"gsi{n}", r, w) for n, (r, w) in enumerate(index_units)))
    raised = projected(original, wanted)
    if not raised.on_demand:
        assert all(
            a.read >= b.read and a.write >= b.write for a, b in zip(raised.resources, original.resources, strict=True)
        )
    request = restore_request(original, raised)
    restored = apply_request(raised, request) if request else raised
    assert restored.settings() == original.settings()


# --- AWS's rules -----------------------------------------------------------------------------------------


def _resource(done: int, last: datetime | None) -> Resource:
    return Resource("orders", decreases_today=done, last_decrease=last)


def test_four_decreases_at_any_time_then_one_an_hour_and_27_a_day():
    assert earliest_decrease(_resource(0, None), NOW) == NOW
    assert earliest_decrease(_resource(3, NOW - timedelta(minutes=1)), NOW) == NOW
    assert earliest_decrease(_resource(4, NOW - timedelta(minutes=10)), NOW) == NOW + timedelta(minutes=50)
    assert earliest_decrease(_resource(4, NOW - timedelta(minutes=61)), NOW) == NOW
    assert earliest_decrease(_resource(26, NOW - timedelta(hours=2)), NOW) == NOW
    assert earliest_decrease(_resource(27, NOW - timedelta(hours=2)), NOW) == datetime(2026, 3, 11, tzinfo=UTC)


def test_the_day_boundary_resets_the_count():
    late = datetime(2026, 3, 10, 23, 40, tzinfo=UTC)
    assert earliest_decrease(_resource(5, late - timedelta(minutes=10)), late) == datetime(2026, 3, 11, tzinfo=UTC)
    yesterday = _resource(27, datetime(2026, 3, 9, 23, 50, tzinfo=UTC))  # a stale count from yesterday
    assert earliest_decrease(yesterday, NOW) == NOW


def test_restore_window_names_the_resource_and_the_time():
    original = provisioned()
    raised = projected(original, Wanted(write_units=400))
    counters = provisioned(decreases=4, last=NOW - timedelta(minutes=20))
    window = restore_window(original, raised, counters, NOW)
    assert window.earliest == NOW + timedelta(minutes=40) and window.blocked_at(NOW) and window.today(NOW)
    assert window.reasons == (
        "table orders already had 4 capacity decreases today (last at 14:40 UTC); AWS allows 4 at any time, then "
        "one per hour without a decrease, 27 a day: the next is allowed at 2026-03-10 15:40 UTC",
    )
    # Going back from on-demand is a mode switch, not a decrease: never blocked.
    switched = projected(original, Wanted(on_demand=True))
    assert not restore_window(original, switched, counters, NOW).blocked_at(NOW)
    at_limit = provisioned(decreases=27, last=NOW - timedelta(hours=3))
    assert not restore_window(original, raised, at_limit, NOW).today(NOW)


def test_a_switch_to_on_demand_within_24_hours_is_flagged():
    recent = dataclasses.replace(provisioned(), last_switch_to_on_demand=NOW - timedelta(hours=3))
    assert "less than 24 h ago" in (switch_to_on_demand_warning(recent, NOW) or "")
    old = dataclasses.replace(provisioned(), last_switch_to_on_demand=NOW - timedelta(hours=25))
    assert switch_to_on_demand_warning(old, NOW) is None
    assert switch_to_on_demand_warning(on_demand(), NOW) is None


LIMITS = Limits(account_read=80000, account_write=80000, table_read=40000, table_write=40000)


def test_quotas_from_describe_limits():
    original = provisioned()
    big = projected(original, Wanted(write_units=20000))  # 3 x 20,000 WCU with two GSIs
    assert quota_problems(original, big, LIMITS, None) == [
        "table orders would have 15 RCU / 60,000 WCU with its GSIs; the account's per-table quota is "
        "40,000 RCU / 40,000 WCU (DescribeLimits)"
    ]
    fits = projected(original, Wanted(write_units=10000))
    assert quota_problems(original, fits, LIMITS, (100, 60000)) == [
        "the account's provisioned tables would total 100 RCU / 89,985 WCU; its quota in this Region is "
        "80,000 RCU / 80,000 WCU (DescribeLimits)"
    ]
    assert quota_problems(original, fits, LIMITS, (100, 20000)) == []
    warm = projected(on_demand(), Wanted(warm_write_units_per_s=50000))
    assert "warm throughput 50,000 WCU/s on table orders" in quota_problems(on_demand(), warm, LIMITS, None)[0]


def test_costs_at_list_prices():
    original = provisioned()  # 15 RCU + 15 WCU
    raised = projected(original, Wanted(write_units=400))  # 15 RCU + 1,200 WCU
    assert hourly_cost(original) == pytest.approx(15 * 0.00013 + 15 * 0.00065)
    assert hourly_cost(raised) == pytest.approx(0.78195)
    assert raise_cost(original, raised, 5400) == pytest.approx((0.78195 - 0.0117) * 2)  # 1.5 h -> 2 started hours
    assert raise_cost(original, raised, None) is None
    assert hourly_cost(on_demand()) == 0.0


# --- the write budget: one function for plan and job ---------------------------------------------------


def _write(rate=None, fraction=0.8) -> WriteSettings:
    return WriteSettings(
        concurrency=8, batch_size=25, max_retry_seconds=900, max_write_units_per_s=rate, capacity_fraction=fraction
    )


def test_budget_follows_the_lowest_provisioned_wcu_including_gsis():
    capacity = provisioned(5, 1000, gsis=(("by_name", 5, 400), ("by_sk", 5, 2000)))
    assert capacity_in_force(capacity) == (400, "provisioned WCU of GSI by_name")
    budget = write_budget(_write(), capacity)
    assert budget.units_per_s == 320.0 and budget.source == "0.8 x provisioned WCU of GSI by_name (400)"
    assert write_budget(_write(fraction=0.5), provisioned(5, 1000, gsis=())).units_per_s == 500.0


def test_budget_of_an_on_demand_table_is_its_warm_throughput_or_maximum_never_a_constant():
    assert write_budget(_write(), on_demand(warm=4000)).units_per_s == 3200.0
    assert (
        write_budget(_write(), on_demand(warm=4000, maximum=1000)).source
        == "0.8 x on-demand maximum of table orders (1,000)"
    )
    unknown = write_budget(_write(), on_demand(warm=None))
    assert unknown.units_per_s is None and unknown.source.startswith("no limit: on-demand table orders reports neither")
    assert write_budget(_write(rate=250), on_demand(warm=None)).units_per_s == 250
    assert write_budget(_write(), None).units_per_s is None


def test_an_explicit_rate_caps_the_budget():
    assert write_budget(_write(rate=100), provisioned(5, 1000, gsis=())).source == (
        "write.max_write_units_per_s (below 0.8 x provisioned WCU of table orders (1,000))"
    )
    above = write_budget(_write(rate=5000), provisioned(5, 1000, gsis=()))
    assert above.units_per_s == 800.0 and above.source.endswith("below write.max_write_units_per_s")


# --- config, checks, plan lines, refusal, signals -------------------------------------------------------


def test_capacity_config():
    config = parse_config(
        {
            **VALID,
            "write": {"capacity_fraction": 0.5},
            "capacity": {"target": {"write_units": 4000, "index_write_units": 2000}, "source": {"read_units": 300}},
        }
    )
    assert (config.capacity.write_units, config.capacity.index_write_units, config.capacity.source_read_units) == (
        4000,
        2000,
        300,
    )
    assert config.write.capacity_fraction == 0.5 and config.source_mode == "export"
    managed, notes = managed_tables(config)
    assert [m.role for m in managed] == ["target"] and "ignored: the source is read from an export" in notes[0]
    scanned, _ = managed_tables(dataclasses.replace(config, source_mode="scan"))
    assert [(m.role, m.wanted.read_units) for m in scanned] == [("target", None), ("source", 300)]
    with pytest.raises(ConfigError) as caught:
        parse_config(
            {
                **VALID,
                "write": {"capacity_fraction": 1.5},
                "capacity": {"target": {"on_demand": True, "write_units": 0, "wcu": 1}, "wait_timeout_s": 0},
            }
        )
    for fragment in (
        "write.capacity_fraction: must be in (0, 1]",
        "capacity.target.wcu: unknown field",
        "capacity.target.write_units: must be a whole number of units, at least 1",
        "capacity.wait_timeout_s: must be positive",
    ):
        assert fragment in str(caught.value)
    with pytest.raises(ConfigError, match="on_demand and write_units exclude each other"):
        parse_config({**VALID, "capacity": {"target": {"on_demand": True, "write_units": 10}}})


def test_plan_lines_when_the_restore_is_not_possible_today():
    managed = Managed("target", "target", "orders", Wanted(write_units=400))
    counters = provisioned(decreases=27, last=NOW - timedelta(hours=1))
    check = check_table(managed, counters, counters, LIMITS, None, NOW)
    preview = CapacityPreview(checks=[check])
    finish_preview(preview, NOW, 3600.0)
    lines = render_capacity(preview)
    assert (
        "    restore: NOT possible today: AWS's decrease limit allows it at 2026-03-11 00:00 UTC at the earliest"
        in lines
    )
    assert "    extra provisioned cost for the run: ~$0.77 (started hours)" in lines
    assert preview.tables[0].restore_blocked
    later = provisioned(decreases=4, last=NOW - timedelta(minutes=30))
    preview = CapacityPreview(checks=[check_table(managed, later, later, LIMITS, None, NOW)])
    finish_preview(preview, NOW, 600.0)
    assert preview.tables[0].restore.startswith("delayed: AWS's decrease limit allows it at 2026-03-10 15:30 UTC")
    preview = CapacityPreview(checks=[check_table(managed, later, later, LIMITS, None, NOW)])
    finish_preview(preview, NOW, 7200.0)  # the run ends after the hour has passed
    assert (
        preview.tables[0].restore.startswith("back to provisioned 5 RCU / 5 WCU")
        and not preview.tables[0].restore_blocked
    )


def test_the_run_refuses_to_raise_what_it_could_not_restore():
    managed = Managed("target", "target", "orders", Wanted(write_units=400))
    counters = provisioned(decreases=4, last=NOW - timedelta(minutes=30))
    config = parse_config({**VALID, "capacity": {"target": {"write_units": 400}}})
    check = check_table(managed, counters, counters, LIMITS, None, NOW)
    with pytest.raises(TerminalError, match="could not be restored right away: table orders already had 4"):
        _refuse_if_unsafe(config, [check], NOW)
    allowed = dataclasses.replace(config, capacity=dataclasses.replace(config.capacity, allow_delayed_restore=True))
    _refuse_if_unsafe(allowed, [check], NOW)
    too_big = check_table(
        Managed("target", "target", "orders", Wanted(write_units=30000)), counters, counters, LIMITS, None, NOW
    )
    with pytest.raises(TerminalError, match="capacity was not changed: table orders would have 15 RCU / 90,000 WCU"):
        _refuse_if_unsafe(allowed, [too_big], NOW)


def test_sigterm_becomes_an_interrupt_only_inside():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Terminated, match="SIGTERM"), signals_as_interrupts():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # interrupted by the handler
    assert signal.getsignal(signal.SIGTERM) is before
