"""Rendered parts of pages, kept across requests until any data changes.

The party pages (Mijn afspraken, a trajectory page) are read far more often than the data
behind them changes, and rendering them is most of their cost. `cached_html()` keeps what a
part of a page rendered in the shared database cache (CACHES["fragmenten"]) under a key made
of:

- the *data version*: made of the tokens in the small table `portal_data_version`, one of
  which the database itself replaces whenever a watched table changes (every table of a
  Django model except those in UNWATCHED_APPS or marked `data_version_unwatched`). A
  trigger does it, so every way data changes is caught alike: a model's `save()`, a
  queryset's `update()` or `delete()`, `bulk_create()`, the admin, an import, a migration,
  raw SQL, a cascade, a flush (and `migrate` moves it once more at its end). The token
  changes in the same transaction as the data, so a request that reads the new version also
  sees the new data (and a transaction sees its own changes at once), while a request that
  read the old version stores what it rendered under a key nobody asks for after the commit.
  Tokens are random, never a counter, so no version comes back after a flush or a restore;
- the code version: a checksum of the templates, Python files, translations and pinned
  libraries, so that a deployment never serves what an earlier version rendered;
- today's date, for whatever a page derives from it;
- what the caller says the part depends on (the user's parties, the query string…).

Nothing is kept in process memory: every app server reads and writes the same cache table,
in the same database and transaction as the data.

On PostgreSQL the trigger runs once per statement and replaces a token once per transaction
(again after the version was read in it), in a row (a *slot*) that no other transaction
holds (`FOR UPDATE SKIP LOCKED`; a new slot when all are taken), so a writer never waits for
another one's commit and two writers cannot deadlock on the version. On SQLite (development,
the demo), which has one writer at a time, each watched table has three row triggers.
"""

import functools
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import connections
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

TABLE = "portal_data_version"
TRIGGER = "portal_data_changed"
CACHE = "fragmenten"
FRAGMENT_TABLE = settings.CACHES[CACHE]["LOCATION"]

# Tables whose rows change on every request, login attempt or background job, and which no
# cached part of a page shows: the sessions, the login throttle's attempts, the queue of
# background work, the admin's log and the second factor's devices (their counters move at
# each login). Our own such models say so themselves with `data_version_unwatched = True` (a
# background job's state and heartbeat, the password-reset throttle). Every other model's
# table is watched, also those of apps added later.
UNWATCHED_APPS = frozenset(
    {"sessions", "axes", "django_tasks_db", "admin", "otp_totp", "otp_static", "django_otp"}
)


# Columns whose change alone does not move the data version: a login writes the user's
# `last_login`, which no kept page shows; every login would otherwise drop every kept page.
IGNORED_COLUMNS = {"auth_user": frozenset({"last_login"})}


def watched_tables() -> list[str]:
    """The tables of every concrete model, many-to-many tables included, but UNWATCHED_APPS."""
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.app_label in UNWATCHED_APPS or not meta.managed or meta.proxy:
            continue
        if getattr(model, "data_version_unwatched", False):
            continue
        tables.add(meta.db_table)
    return sorted(tables)


def _update_of(cursor, connection, table: str) -> str:
    """ "UPDATE" or, for a table with IGNORED_COLUMNS, "UPDATE OF" its other columns."""
    ignored = IGNORED_COLUMNS.get(table)
    if not ignored:
        return "UPDATE"
    columns = [
        column.name
        for column in connection.introspection.get_table_description(cursor, table)
        if column.name not in ignored
    ]
    return "UPDATE OF " + ", ".join(f'"{column}"' for column in columns)


def install(using: str = "default") -> None:
    """Create the version table and (again) the trigger of every watched table.

    Run after every `migrate` (post_migrate): a table made by a later migration, or remade by
    one (SQLite remakes a table to alter it, without its triggers), gets its trigger then, and
    a trigger that names columns (IGNORED_COLUMNS) learns of a new one.
    """
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    tables = [table for table in watched_tables() if table in existing]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _install_postgresql(cursor, connection, tables)
        elif connection.vendor == "sqlite":
            _install_sqlite(cursor, connection, tables)
        else:  # pragma: no cover - the portal runs on PostgreSQL and SQLite only
            raise NotImplementedError(connection.vendor)
        # What the migrations just did may have gone past the triggers (a table SQLite
        # remade, a table made and filled in the same run): nothing kept before counts.
        cursor.execute(f"UPDATE {TABLE} SET token = {_NEW_TOKEN[connection.vendor]}")
    # The cache's own table, also where FRAGMENT_CACHE=0 left it out until now.
    if FRAGMENT_TABLE not in existing:
        command = CreateCacheTable()
        command.verbosity = 0
        command.create_table(using, FRAGMENT_TABLE, dry_run=False)


def install_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate: `install()` on the database just migrated."""
    install(using)


def _install_postgresql(cursor, connection, tables: list[str]) -> None:
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} (id serial PRIMARY KEY, token varchar(32) NOT NULL)"
    )
    cursor.execute(
        f"INSERT INTO {TABLE} (token) SELECT md5(random()::text) FROM generate_series(1, %s) "
        f"WHERE NOT EXISTS (SELECT 1 FROM {TABLE})",
        [SLOTS],
    )
    # Once, not at every statement, until the version is read again in the same transaction
    # (`data_version()` clears the flag): a long transaction of many writes replaces one
    # token, while one that renders a kept page between two writes still moves the version
    # after it. The flag is local to the transaction (and to a savepoint, whose rollback
    # takes the new token back too).
    cursor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            slot integer;
        BEGIN
            IF coalesce(current_setting('portal.data_changed', true), '') = 'yes' THEN
                RETURN NULL;
            END IF;
            SELECT id INTO slot FROM {TABLE} ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED;
            IF slot IS NULL THEN
                INSERT INTO {TABLE} (token)
                VALUES (md5(random()::text || clock_timestamp()::text));
            ELSE
                UPDATE {TABLE} SET token = md5(random()::text || clock_timestamp()::text)
                WHERE id = slot;
            END IF;
            PERFORM set_config('portal.data_changed', 'yes', true);
            RETURN NULL;
        END
        $$
        """
    )
    for table in tables:
        cursor.execute(
            f"CREATE OR REPLACE TRIGGER {TRIGGER} "
            f"AFTER INSERT OR {_update_of(cursor, connection, table)} OR DELETE OR TRUNCATE "
            f'ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()'
        )


def _install_sqlite(cursor, connection, tables: list[str]) -> None:
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} "
        "(id integer PRIMARY KEY AUTOINCREMENT, token varchar(32) NOT NULL)"
    )
    cursor.execute(
        f"INSERT INTO {TABLE} (token) SELECT {_SQLITE_TOKEN} "
        f"WHERE NOT EXISTS (SELECT 1 FROM {TABLE})"
    )
    for table in tables:
        for event in ("INSERT", "UPDATE", "DELETE"):
            name = f'"{TRIGGER}_{table}_{event.lower()}"'
            when = _update_of(cursor, connection, table) if event == "UPDATE" else event
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(
                f'CREATE TRIGGER {name} AFTER {when} ON "{table}" BEGIN '
                f"UPDATE {TABLE} SET token = {_SQLITE_TOKEN}; END"
            )


_SQLITE_TOKEN = "lower(hex(randomblob(16)))"
_NEW_TOKEN = {
    "postgresql": "md5(random()::text || clock_timestamp()::text || id::text)",
    "sqlite": _SQLITE_TOKEN,
}
# Slots on PostgreSQL: as many transactions can change data at once without one waiting for
# another's commit (more only add a slot).
SLOTS = 16


def tables_with_trigger(using: str = "default") -> set[str]:
    """The tables that replace the data version when they change (for the tests)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = %s",
                [TRIGGER],
            )
            return {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s "
            "GROUP BY tbl_name HAVING count(*) = 3",
            [f"{TRIGGER}_%"],
        )
        return {row[0] for row in cursor.fetchall()}


def data_version(using: str = "default") -> str | None:
    """The current data version (a checksum of the tokens); None if there are none (then
    nothing is cached)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The next write of this transaction, if any, moves the version again.
            cursor.execute(
                f"SELECT token, set_config('portal.data_changed', 'no', true) FROM {TABLE} "
                "ORDER BY id"
            )
        else:
            cursor.execute(f"SELECT token FROM {TABLE} ORDER BY id")
        tokens = [row[0] for row in cursor.fetchall()]
    if not tokens:
        return None
    return hashlib.sha256(",".join(tokens).encode()).hexdigest()[:32]


@functools.cache
def code_version() -> str:
    """A checksum of the project's own templates, Python files and translations: what an app
    server of another version rendered is never served by this one."""
    base = Path(settings.BASE_DIR).resolve()
    roots = {Path(directory) for template in settings.TEMPLATES for directory in template["DIRS"]}
    roots |= {Path(directory) for directory in settings.LOCALE_PATHS}
    roots |= {
        Path(config.path)
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base)
    }
    # The pinned versions of every library (Django's escaping included).
    files = [base / "requirements.lock"]
    for root in roots:
        for directory, subdirectories, names in os.walk(root):
            subdirectories[:] = [d for d in subdirectories if not d.startswith((".", "__"))]
            files += [Path(directory) / name for name in names if name.endswith(_CODE_SUFFIXES)]
    digest = hashlib.sha256()
    for path in sorted({path.resolve() for path in files}):
        if not path.is_relative_to(base) or not path.is_file():
            continue
        digest.update(str(path.relative_to(base)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


_CODE_SUFFIXES = (".html", ".py", ".mo", ".txt", ".xml")


def fragment_key(name: str, version: str, parts) -> str:
    """The cache key of a part of a page; `parts` is anything with a stable `repr()`."""
    detail = hashlib.sha256(repr((timezone.localdate(), parts)).encode()).hexdigest()
    return f"{name}:{code_version()}:{version}:{detail}"


class NotKept(SafeString):
    """HTML that a `render()` for `cached_html()` returns when it must not be kept after all
    (it turned out to hold something of the request, such as a form's CSRF token); safe, as
    what `cached_html()` returns."""


def cached_html(name: str, parts, render: Callable[[], str]) -> SafeString:
    """What `render()` makes (HTML, safe), from the cache when nothing changed since it was
    made for the same `name` and `parts` today; else rendered and kept.

    `parts` must name everything the HTML depends on besides the data: whose it is (the
    user's parties, an editor or not), the query string. `render()` must read the data it
    shows itself, after the version was read here (data read before could be older than the
    version it is kept under), and must return a `NotKept` for HTML with something of one
    request or session in it (a CSRF token, a nonce, a message).
    """
    version = data_version()
    if version is None:
        return mark_safe(render())
    cache = caches[CACHE]
    key = fragment_key(name, version, parts)
    html = cache.get(key)
    if html is None:
        html = render()
        if isinstance(html, NotKept):
            return html
        html = str(html)
        cache.set(key, html)
    return mark_safe(html)
