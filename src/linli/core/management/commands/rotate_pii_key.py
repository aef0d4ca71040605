"""``linli rotate-pii-key``: re-encrypt personal data under the first key of LINLI_PII_KEYS."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from linli.core import pii, scoping
from linli.core.actions.personal import pii_rotate, pii_unknown_keys
from linli.core.errors import ActionError


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted personal-data value under the first key of LINLI_PII_KEYS. "
        "Put the new key first and keep the old ones after it; run this; then remove the old "
        "keys. Works in batches and can be interrupted and run again. Refuses to start while any "
        "stored value uses a key that is not in the ring."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=500,
            help="rows per transaction (default 500)",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="only report how many values sit under each key; change nothing",
        )

    def handle(self, *args, batch_size: int, check: bool, **options):
        ring = pii.ring_key_ids()
        self.stdout.write(f"key ring: {', '.join(ring)} (encrypting with {ring[0]})")
        if check:
            return self._census(ring)
        try:
            result = pii_rotate(actor=scoping.SYSTEM, batch_size=batch_size)
        except ActionError as exc:
            for label, messages in sorted(exc.errors.items()):
                for message in messages:
                    self.stderr.write(f"{label}: {message}")
            raise CommandError(str(exc.message)) from None
        total = 0
        for label in sorted(result.rotated):
            rotated = result.rotated[label]
            total += rotated
            line = (
                f"{label}: {rotated} re-encrypted, "
                f"{result.already_current.get(label, 0)} already under {result.key}"
            )
            if label in result.unreadable_count:
                line += f", {result.unreadable_count[label]} unreadable"
            self.stdout.write(line)
        if not result.rotated:
            self.stdout.write("no encrypted fields")
        if not result.complete:
            for label, pks in sorted(result.unreadable.items()):
                shown = ", ".join(str(pk) for pk in pks)
                self.stderr.write(f"{label}: cannot decrypt the values of rows {shown}")
            raise CommandError(
                "Some values could not be decrypted with their key (damaged or altered); they "
                "were left as they are. Restore them from a backup before removing old keys."
            )
        self.stdout.write(self.style.SUCCESS(f"done: {total} values now under key {result.key}"))

    def _census(self, ring: list[str]) -> None:
        unknown = pii_unknown_keys()
        for model, field in pii.encrypted_fields():
            census = pii.key_census(model, field)
            parts = ", ".join(f"{key_id or '(no key)'}={n}" for key_id, n in sorted(census.items()))
            self.stdout.write(f"{field.column_label}: {parts or 'empty'}")
        if unknown:
            raise CommandError(
                "Some values use keys that are not in LINLI_PII_KEYS: "
                + "; ".join(
                    f"{label} {', '.join(k or '(no key)' for k in keys)}"
                    for label, keys in sorted(unknown.items())
                )
            )
