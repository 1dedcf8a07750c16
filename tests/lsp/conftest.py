"""A real LSP client (pytest-lsp) driving `sesslint lsp` over stdio.

`SESSLINT_BIN` names the binary (tests/lsp.rs passes cargo's). Each test gets a fresh
Debian-style /etc in a temporary workspace folder.
"""

import asyncio
import json
import os
import subprocess
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

SESSLINT = os.environ.get("SESSLINT_BIN", "sesslint")
FPM = "etc/php/8.2/fpm"
TIMEOUT = 20.0

PHP_INI = '[PHP]\nsession.save_handler = files\nsession.save_path = "/var/lib/php/sessions"\n'
FPM_CONF = "[global]\npid = /run/php/php8.2-fpm.pid\ninclude=/etc/php/8.2/fpm/pool.d/*.conf\n"
WWW_CONF = (
    "[www]\nuser = www-data\nlisten = /run/php/www.sock\npm = static\npm.max_children = 5\n"
    "php_admin_value[session.save_handler] = files\n"
    "php_admin_value[session.save_path] = /var/lib/php/sessions\n"
)
BLOG_CONF = "[blog]\nuser = blog\nlisten = /run/php/blog.sock\npm = static\npm.max_children = 5\n"
REDIS_CONF = "bind 127.0.0.1 -::1\nport 6379\nrequirepass s3cretpass-0123456789abcdefghijklmn\n"
SESSIONS_OK = (
    "session.save_handler = redis\n"
    'session.save_path = "tcp://127.0.0.1:6379?auth=s3cretpass-0123456789abcdefghijklmn&database=2&timeout=2&read_timeout=2"\n'
    "redis.session.locking_enabled = 1\n"
    "redis.session.lock_wait_time = 50000\n"
    "redis.session.lock_retries = 100\n"
)


def on_publish(client: LanguageClient, params: types.PublishDiagnosticsParams):
    client.diagnostics[params.uri] = params.diagnostics
    client.published.append(params)


def make_client() -> LanguageClient:
    client = LanguageClient(converter_factory=pytest_lsp.client.default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = on_publish
    register_lsp_features(client, features)
    client.published = []
    return client


CONFIG = ClientServerConfig(server_command=[SESSLINT, "lsp"], client_factory=make_client)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    files = {
        f"{FPM}/php.ini": PHP_INI,
        f"{FPM}/php-fpm.conf": FPM_CONF,
        f"{FPM}/pool.d/www.conf": WWW_CONF,
        f"{FPM}/pool.d/blog.conf": BLOG_CONF,
        f"{FPM}/conf.d/20-igbinary.ini": "extension=igbinary.so\n",
        f"{FPM}/conf.d/20-redis.ini": "extension=redis.so\n",
        f"{FPM}/conf.d/30-sessions.ini": SESSIONS_OK,
        "etc/redis/redis.conf": REDIS_CONF,
    }
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return tmp_path


async def start(client: LanguageClient, workspace: Path, general=None, options=None):
    params = types.InitializeParams(
        capabilities=types.ClientCapabilities(general=general),
        workspace_folders=[types.WorkspaceFolder(uri=workspace.as_uri(), name="ws")],
        initialization_options=options,
    )
    return await client.initialize_session(params)


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient, workspace: Path):
    """An editor that speaks UTF-16 (LSP's default) and wants secrets masked."""
    lsp_client.init_result = await start(lsp_client, workspace)
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG)
async def utf8_client(lsp_client: LanguageClient, workspace: Path):
    """An editor that offers UTF-8 positions."""
    general = types.GeneralClientCapabilities(
        position_encodings=[types.PositionEncodingKind.Utf8, types.PositionEncodingKind.Utf16]
    )
    lsp_client.init_result = await start(lsp_client, workspace, general=general)
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG)
async def revealing_client(lsp_client: LanguageClient, workspace: Path):
    """An editor that asked for secrets in clear (initializationOptions showSecrets)."""
    lsp_client.init_result = await start(lsp_client, workspace, options={"showSecrets": True})
    yield
    await lsp_client.shutdown_session()


def open_doc(client: LanguageClient, path: Path, text: str, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="ini", version=version, text=text)
        )
    )
    return uri


def change_doc(client: LanguageClient, uri: str, version: int, text: str):
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def published(client: LanguageClient, uri: str, version: int):
    """The diagnostics published for `uri` at `version` (waits for them)."""
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while True:
        for p in reversed(client.published):
            if p.uri == uri and p.version == version:
                return p.diagnostics
        if asyncio.get_running_loop().time() > deadline:
            seen = [(p.uri, p.version) for p in client.published]
            raise AssertionError(f"no diagnostics for {uri} v{version}; got {seen}")
        await asyncio.sleep(0.01)


def cli_json(workspace: Path):
    """What `sesslint check --format json` says about the files on disk: the oracle."""
    out = subprocess.run(
        [SESSLINT, "check", "--format", "json", str(workspace)], capture_output=True, text=True, check=False
    )
    return json.loads(out.stdout)


def units(text: str, encoding: str) -> int:
    """Length of `text` in LSP position units."""
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    return len(text.encode("utf-16-le")) // 2


def lsp_position(text: str, line: int, column: int, encoding: str) -> types.Position:
    """A 1-based line and character column (the JSON output's) as an LSP position."""
    line_text = text.splitlines()[line - 1]
    return types.Position(line=line - 1, character=units(line_text[: column - 1], encoding))


def offset_of(text: str, pos: types.Position) -> int:
    """The str index of a UTF-16 LSP position in `text` (lines end at \\n here)."""
    lines = text.split("\n")
    base = sum(len(l) + 1 for l in lines[: pos.line])
    line = lines[pos.line] if pos.line < len(lines) else ""
    count = 0
    for i, ch in enumerate(line):
        if count >= pos.character:
            return base + i
        count += units(ch, "utf-16")
    return base + len(line)


def apply_edits(text: str, edits) -> str:
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start, end = offset_of(text, e.range.start), offset_of(text, e.range.end)
        text = text[:start] + e.new_text + text[end:]
    return text


# Two conf.d files of 600 KiB of comments: past a budget of 1 MiB together, within 2 MiB.
BIG_INI = "; " + "x" * 1000 + "\n"


@pytest.fixture
def big_workspace(workspace: Path) -> Path:
    for name in ("40-big.ini", "50-big.ini"):
        (workspace / FPM / "conf.d" / name).write_text(BIG_INI * 600)
    return workspace


@pytest_lsp.fixture(config=CONFIG)
async def budget_client(lsp_client: LanguageClient, big_workspace: Path):
    """An editor whose user set the bytes parsed to 1 MiB (initializationOptions maxHostMib)."""
    lsp_client.init_result = await start(lsp_client, big_workspace, options={"maxHostMib": 1})
    yield
    await lsp_client.shutdown_session()
