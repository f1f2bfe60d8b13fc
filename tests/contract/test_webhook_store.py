"""The webhook store: webhooks per owner, one delivery per webhook and event, conditional
recording of attempts, and newest-first pages whose cursor is any delivery id."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cms.domain.webhooks import (
    AttemptResult,
    ContractEvent,
    DeliveryStatus,
    Webhook,
    WebhookStatus,
    after_attempt,
    new_delivery,
)
from cms.ports.errors import WriteConflict

T0 = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


def owner() -> str:
    return f"did:key:z6Mk{uuid.uuid4().hex}"


def webhook(owner_did: str, *types: str, status: WebhookStatus = WebhookStatus.ACTIVE,
            created_at: str = "2026-12-07T06:00:00.000Z") -> Webhook:
    return Webhook(str(uuid.uuid4()), owner_did, "https://hooks.example.com/cms",
                   "s" * 43, tuple(types), status, created_at)


def event(*parties: str, event_id: str | None = None) -> ContractEvent:
    return ContractEvent.from_bus({
        "source": "cms.contracts", "detail-type": "contract.signed",
        "detail": {"event_id": event_id or str(uuid.uuid4()), "contract_id": str(uuid.uuid4()),
                   "parties": list(parties), "at": "2026-12-07T06:00:00.000Z",
                   "data": {"n": 1}}})


def test_webhooks_are_kept_per_owner(services):
    store, alice, bob = services.webhook_store, owner(), owner()
    first, second = webhook(alice, "contract.signed"), webhook(alice)
    for made in (first, second, webhook(bob)):
        store.add(made)
    assert store.get(alice, first.webhook_id) == first
    assert store.get(bob, first.webhook_id) is None  # another owner's id
    assert store.count(alice) == 2
    assert sorted(w.webhook_id for w in store.owned_by(alice)) == sorted(
        [first.webhook_id, second.webhook_id])
    with pytest.raises(WriteConflict):
        store.add(replace(first, url="https://elsewhere.example.com/"))
    assert store.get(alice, first.webhook_id).url == first.url


def test_a_deleted_webhook_is_gone_once(services):
    store, alice = services.webhook_store, owner()
    made = webhook(alice)
    store.add(made)
    assert store.delete(alice, made.webhook_id) is True
    assert store.delete(alice, made.webhook_id) is False
    assert store.get(alice, made.webhook_id) is None and store.count(alice) == 0


def test_a_webhooks_status_and_secret_change_in_place(services):
    store, alice = services.webhook_store, owner()
    made = webhook(alice, "contract.signed")
    store.add(made)
    off = store.set_status(alice, made.webhook_id, WebhookStatus.DISABLED)
    assert off == replace(made, status=WebhookStatus.DISABLED)
    assert store.set_status(alice, made.webhook_id, WebhookStatus.DISABLED) == off  # again
    assert store.active_for([alice]) == []
    rotated = store.set_secret(alice, made.webhook_id, "t" * 43)
    assert rotated == replace(off, secret="t" * 43)  # the status change is kept
    on = store.set_status(alice, made.webhook_id, WebhookStatus.ACTIVE)
    assert on == replace(made, secret="t" * 43)
    assert store.get(alice, made.webhook_id) == on
    assert store.active_for([alice]) == [on]


def test_changing_a_webhook_that_is_not_there_changes_nothing(services):
    store, alice, bob = services.webhook_store, owner(), owner()
    made = webhook(alice)
    store.add(made)
    assert store.set_status(bob, made.webhook_id, WebhookStatus.DISABLED) is None
    assert store.set_secret(bob, made.webhook_id, "t" * 43) is None
    assert store.get(bob, made.webhook_id) is None and store.count(bob) == 0  # nothing made
    assert store.get(alice, made.webhook_id) == made
    store.delete(alice, made.webhook_id)
    assert store.set_secret(alice, made.webhook_id, "t" * 43) is None
    assert store.get(alice, made.webhook_id) is None


def test_only_active_webhooks_of_the_parties_are_found(services):
    store, alice, bob, carol = services.webhook_store, owner(), owner(), owner()
    active, disabled = webhook(alice), webhook(alice, status=WebhookStatus.DISABLED)
    others = webhook(bob)
    for made in (active, disabled, others, webhook(carol)):
        store.add(made)
    found = store.active_for([alice, bob, alice])
    assert sorted(w.webhook_id for w in found) == sorted([active.webhook_id,
                                                          others.webhook_id])


def test_an_event_makes_one_delivery_per_webhook(services):
    store, alice = services.webhook_store, owner()
    hook = webhook(alice)
    store.add(hook)
    happened = event(alice)
    first, created = store.create_delivery(new_delivery(hook, happened, T0))
    again, created_again = store.create_delivery(new_delivery(hook, happened,
                                                              T0 + timedelta(seconds=1)))
    assert (created, created_again) == (True, False)
    assert again == first
    assert store.get_delivery(hook.webhook_id, first.delivery_id) == first
    assert [d.delivery_id for d in store.deliveries(hook.webhook_id, None, 10).items] == [
        first.delivery_id]


def test_unknown_or_malformed_deliveries_are_none(services):
    store = services.webhook_store
    assert store.get_delivery(str(uuid.uuid4()), "2026-12-07T06:00:00.000Z_" + "0" * 32) is None
    assert store.get_delivery(str(uuid.uuid4()), "~event#x") is None


def test_attempts_are_recorded_only_over_what_was_read(services):
    store, alice = services.webhook_store, owner()
    hook = webhook(alice)
    store.add(hook)
    delivery, _ = store.create_delivery(new_delivery(hook, event(alice), T0))
    failed, _ = after_attempt(delivery, AttemptResult(500, "HTTP status 500"), T0)
    store.record(failed, expected_attempts=0, expected_status=DeliveryStatus.PENDING)
    assert store.get_delivery(hook.webhook_id, delivery.delivery_id) == failed
    late, _ = after_attempt(delivery, AttemptResult(200), T0)  # a duplicate message's
    with pytest.raises(WriteConflict):
        store.record(late, expected_attempts=0, expected_status=DeliveryStatus.PENDING)
    with pytest.raises(WriteConflict):
        store.record(late, expected_attempts=1, expected_status=DeliveryStatus.SUCCEEDED)
    assert store.get_delivery(hook.webhook_id, delivery.delivery_id) == failed
    never = replace(new_delivery(hook, event(alice), T0), attempts=1)
    with pytest.raises(WriteConflict):  # no such delivery to replace
        store.record(never, expected_attempts=0, expected_status=DeliveryStatus.PENDING)


def test_pages_go_newest_first_below_the_cursor(services):
    store, alice = services.webhook_store, owner()
    hook = webhook(alice)
    store.add(hook)
    made = [store.create_delivery(new_delivery(hook, event(alice), T0 + timedelta(minutes=n)))[0]
            .delivery_id for n in range(5)]
    seen, cursor = [], None
    while True:
        page = store.deliveries(hook.webhook_id, cursor, 2)
        seen += [d.delivery_id for d in page.items]
        if page.next_cursor is None:
            break
        assert page.next_cursor == page.items[-1].delivery_id
        cursor = page.next_cursor
    assert seen == sorted(made, reverse=True)
    assert store.deliveries(hook.webhook_id, None, 5).next_cursor is None


@pytest.mark.parametrize(("position", "expected"), [
    ("9999-12-31T23:59:59.999Z_" + "f" * 32, 3),  # after every delivery: all of them
    ("2026-12-07T06:01:00.000Z_" + "0" * 32, 1),  # between the first and the second
    ("0000-00-00T00:00:00.000Z_" + "0" * 32, 0),  # before every delivery
    ("~event#" + "f" * 36, 3),  # beyond the ids (where the event markers are): deliveries only
])
def test_any_id_is_a_position(services, position, expected):
    store, alice = services.webhook_store, owner()
    hook = webhook(alice)
    store.add(hook)
    for n in range(3):
        store.create_delivery(new_delivery(hook, event(alice), T0 + timedelta(minutes=n)))
    page = store.deliveries(hook.webhook_id, position, 10)
    assert len(page.items) == expected and page.next_cursor is None
