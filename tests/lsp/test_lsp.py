"""`sesslint lsp` as an editor sees it: diagnostics on open and change, the quick fix,
hover, ordering under a burst of edits, bad input, secrets."""

import asyncio
import random
import subprocess
from lsprotocol import types
from pytest_lsp import LanguageClient

from conftest import (
    FPM,
    SESSLINT,
    WWW_CONF,
    apply_edits,
    change_doc,
    cli_json,
    lsp_position,
    open_doc,
    published,
    units,
)

# The locking lines come first: PHP ignores everything after the broken line.
BROKEN = (
    "session.save_handler = redis\n"
    "redis.session.locking_enabled = 1\n"
    "redis.session.lock_wait_time = 50000\n"
    "redis.session.lock_retries = 100\n"
    "session.save_path = tcp://127.0.0.1:6379?auth=s3cretpass-0123456789abcdefghijklmn&database=2&timeout=2&read_timeout=2\n"
)


async def until(condition, timeout=20.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.01)


def expected_sl001(workspace, path, text, encoding):
    """SL001's range as `sesslint check --format json` reports it for the file on disk."""
    path.write_text(text)
    found = [d for d in cli_json(workspace) if d["code"] == "SL001" and d["path"] == str(path)]
    assert len(found) == 1, found
    d = found[0]
    return types.Range(
        start=lsp_position(text, d["line"], d["column"], encoding),
        end=lsp_position(text, d["end_line"], d["end_column"], encoding),
    )


async def test_unquoted_save_path_is_reported_fixed_and_cleared(client: LanguageClient, workspace):
    assert client.init_result.capabilities.position_encoding == types.PositionEncodingKind.Utf16
    path = workspace / FPM / "conf.d/30-sessions.ini"
    expected = expected_sl001(workspace, path, BROKEN, "utf-16")
    uri = open_doc(client, path, BROKEN)

    diags = await published(client, uri, 1)
    sl001 = [d for d in diags if d.code == "SL001"]
    assert len(sl001) == 1, diags
    assert sl001[0].range == expected
    assert sl001[0].severity == types.DiagnosticSeverity.Error
    assert sl001[0].source == "sesslint"

    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=sl001[0].range,
            context=types.CodeActionContext(diagnostics=sl001),
        )
    )
    fixes = [a for a in actions or [] if isinstance(a, types.CodeAction) and a.kind == types.CodeActionKind.QuickFix]
    assert len(fixes) == 1, actions
    fix = fixes[0]
    assert fix.is_preferred is True
    assert fix.diagnostics and fix.diagnostics[0].code == "SL001"
    fixed = apply_edits(BROKEN, fix.edit.changes[uri])
    assert 'session.save_path = "tcp://127.0.0.1:6379?auth=s3cretpass-0123456789abcdefghijklmn&database=2&timeout=2&read_timeout=2"' in fixed

    change_doc(client, uri, 2, fixed)
    assert list(await published(client, uri, 2)) == []
    # The fixed text is clean for the CLI too.
    path.write_text(fixed)
    assert [d for d in cli_json(workspace) if d["path"] == str(path)] == []


async def test_quick_fix_is_the_cli_fix_and_what_check_fix_writes(client: LanguageClient, workspace):
    # One engine: the editor's quick fix sends the edits `check --format json` lists for
    # the finding, and `check --fix` writes exactly the text those edits make.
    path = workspace / FPM / "conf.d/30-sessions.ini"
    path.write_text(BROKEN)
    uri = open_doc(client, path, BROKEN)
    sl001 = [d for d in await published(client, uri, 1) if d.code == "SL001"]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=sl001[0].range,
            context=types.CodeActionContext(diagnostics=sl001),
        )
    )
    fixes = [a for a in actions or [] if isinstance(a, types.CodeAction) and a.kind == types.CodeActionKind.QuickFix]
    assert len(fixes) == 1, actions
    lsp_edits = fixes[0].edit.changes[uri]
    from_lsp = sorted(
        (e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character, e.new_text)
        for e in lsp_edits
    )
    lines = BROKEN.splitlines()
    cli = [d for d in cli_json(workspace) if d["code"] == "SL001" and d["path"] == str(path)]
    assert len(cli) == 1 and cli[0]["fix"]["applicability"] == "safe", cli
    from_cli = sorted(
        (
            e["line"] - 1,
            units(lines[e["line"] - 1][: e["column"] - 1], "utf-16"),
            e["end_line"] - 1,
            units(lines[e["end_line"] - 1][: e["end_column"] - 1], "utf-16"),
            e["replacement"],
        )
        for e in cli[0]["fix"]["edits"]
    )
    assert from_lsp == from_cli and len(from_lsp) >= 2, (from_lsp, from_cli)
    out = subprocess.run([SESSLINT, "check", "--fix", "--quiet", str(workspace)], capture_output=True, text=True)
    assert "fixed" not in out.stdout, out.stdout
    assert path.read_text() == apply_edits(BROKEN, lsp_edits)


async def test_ranges_count_utf16_units(client: LanguageClient, workspace):
    text = "session.save_path = tcp://h\u00e9\U0001d11est:6379?auth=x&database=2\n"
    path = workspace / FPM / "conf.d/30-sessions.ini"
    expected = expected_sl001(workspace, path, text, "utf-16")
    uri = open_doc(client, path, text)
    diags = [d for d in await published(client, uri, 1) if d.code == "SL001"]
    assert [d.range for d in diags] == [expected]


async def test_utf8_is_negotiated_when_offered(utf8_client: LanguageClient, workspace):
    client = utf8_client
    assert client.init_result.capabilities.position_encoding == types.PositionEncodingKind.Utf8
    text = "session.save_path = tcp://h\u00e9\U0001d11est:6379?auth=x&database=2\n"
    path = workspace / FPM / "conf.d/30-sessions.ini"
    expected = expected_sl001(workspace, path, text, "utf-8")
    uri = open_doc(client, path, text)
    diags = [d for d in await published(client, uri, 1) if d.code == "SL001"]
    assert [d.range for d in diags] == [expected]


async def test_unsaved_buffer_replaces_the_file_on_disk(client: LanguageClient, workspace):
    path = workspace / FPM / "conf.d/30-sessions.ini"
    path.write_text(BROKEN)  # on disk: broken
    from conftest import SESSIONS_OK

    uri = open_doc(client, path, SESSIONS_OK)  # in the editor: fixed, not saved
    assert list(await published(client, uri, 1)) == []
    change_doc(client, uri, 2, BROKEN)
    assert [d.code for d in await published(client, uri, 2)] == ["SL001"]


async def test_hover_shows_the_effective_value_and_where_it_was_set(client: LanguageClient, workspace):
    from conftest import SESSIONS_OK

    path = workspace / FPM / "conf.d/30-sessions.ini"
    uri = open_doc(client, path, SESSIONS_OK)
    await published(client, uri, 1)
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=3)
        )
    )
    assert hover is not None
    text = hover.contents.value
    # Config text is in code spans (a value, title or path cannot write Markdown).
    assert text.startswith("**`session.save_handler`**"), text
    # Pool blog inherits this line; pool www overrides it in www.conf.
    assert "pool blog (fpm): `redis`, set here" in text, text
    www_line = WWW_CONF.splitlines().index("php_admin_value[session.save_handler] = files") + 1
    assert f"pool www: `files`, shadowed by pool www (`{FPM}/pool.d/www.conf:{www_line}`)" in text, text
    assert hover.range.start.line == 0

    # In the pool file: the pool's own value, set there.
    www = workspace / FPM / "pool.d/www.conf"
    www_uri = open_doc(client, www, WWW_CONF)
    await published(client, www_uri, 1)
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=www_uri),
            position=types.Position(line=www_line - 1, character=20),
        )
    )
    assert hover is not None and "pool www: `files`, set here" in hover.contents.value, hover

    # redis.conf: the value the server runs with.
    redis = workspace / "etc/redis/redis.conf"
    redis_uri = open_doc(client, redis, redis.read_text())
    await published(client, redis_uri, 1)
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=redis_uri), position=types.Position(line=1, character=1)
        )
    )
    assert hover is not None and "redis `etc/redis/redis.conf`: `6379`, set here" in hover.contents.value, hover


async def test_a_burst_of_changes_ends_with_the_last_version(client: LanguageClient, workspace):
    from conftest import SESSIONS_OK

    path = workspace / FPM / "conf.d/30-sessions.ini"
    uri = open_doc(client, path, SESSIONS_OK)
    await published(client, uri, 1)
    last = 41
    for version in range(2, last + 1):
        change_doc(client, uri, version, BROKEN if version % 2 else SESSIONS_OK)
    final = await published(client, uri, last)
    assert [d.code for d in final] == ["SL001"]  # 41 is odd: the broken text
    # Nothing older arrives after the last version's diagnostics.
    ours = [p.version for p in client.published if p.uri == uri]
    assert ours[-1] == last
    assert ours == sorted(ours), ours
    # Edits that arrived together were checked together.
    assert len(ours) < last, ours


async def test_garbage_bytes_give_diagnostics_not_a_crash(client: LanguageClient, workspace):
    rng = random.Random(5)
    garbage = bytes(rng.randrange(256) for _ in range(4000)).decode("latin-1")
    garbage += "\n[\n=\n\"unterminated\n\x00\x01{${=\n"
    path = workspace / FPM / "conf.d/99-garbage.ini"
    path.write_bytes(b"")
    uri = open_doc(client, path, garbage)
    diags = await published(client, uri, 1)
    assert any(d.code == "SL001" for d in diags), diags
    # Ranges stay inside the document.
    lines = garbage.split("\n")
    for d in diags:
        assert d.range.end.line < len(lines) + 1

    # An edit with positions far outside the text, and a request with nonsense parameters.
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=9999, character=5), end=types.Position(line=3, character=99999)
                    ),
                    text="session.name = X\n",
                )
            ],
        )
    )
    await published(client, uri, 2)
    # Sent raw: the client library would refuse to serialize it.
    bad = {"jsonrpc": "2.0", "id": "bad-hover", "method": "textDocument/hover", "params": {"textDocument": 5}}
    client.protocol._send_data(bad)
    await until(lambda: any("bad parameters" in m.message for m in client.log_messages))

    # Still serving.
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=0)
        )
    )
    assert hover is None or hover.contents


async def test_auth_values_are_masked(client: LanguageClient, workspace):
    from conftest import SESSIONS_OK

    path = workspace / FPM / "conf.d/30-sessions.ini"
    uri = open_doc(client, path, SESSIONS_OK + "session.save_pth = 1\n")
    diags = await published(client, uri, 1)
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=1, character=5)
        )
    )
    assert hover is not None
    assert "auth=********" in hover.contents.value, hover.contents.value
    everything = hover.contents.value + repr(client.published)
    assert "s3cretpass-0123456789abcdefghijklmn" not in everything
    assert diags  # the typo is reported, the secret is not in it


async def test_show_secrets_reveals_them(revealing_client: LanguageClient, workspace):
    from conftest import SESSIONS_OK

    client = revealing_client
    path = workspace / FPM / "conf.d/30-sessions.ini"
    uri = open_doc(client, path, SESSIONS_OK)
    await published(client, uri, 1)
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=1, character=5)
        )
    )
    assert hover is not None and "auth=s3cretpass-0123456789abcdefghijklmn" in hover.contents.value, hover


async def test_diagnostics_in_other_files_are_published(client: LanguageClient, workspace):
    # redis.conf without a password while pool blog keeps sessions there: SL201 lands in
    # redis.conf, a file the editor did not open, and points back at the pool.
    redis = workspace / "etc/redis/redis.conf"
    redis.write_text("bind 127.0.0.1 -::1\nport 6379\n")
    from conftest import SESSIONS_OK

    path = workspace / FPM / "conf.d/30-sessions.ini"
    uri = open_doc(client, path, SESSIONS_OK)
    await published(client, uri, 1)
    redis_uri = redis.as_uri()
    # Open documents are published first, the other files right after: wait for those too.
    await until(lambda: any(p.uri == redis_uri for p in client.published))
    others = [p for p in client.published if p.uri == redis_uri]
    assert others and others[-1].version is None
    sl201 = [d for d in others[-1].diagnostics if d.code == "SL201"]
    assert sl201, others[-1]
    related = sl201[0].related_information or []
    assert any(r.location.uri == uri for r in related), related


async def test_sesslint_toml_and_inline_suppressions_apply(client: LanguageClient, workspace):
    path = workspace / FPM / "conf.d/30-sessions.ini"
    uri = open_doc(client, path, BROKEN)
    assert [d.code for d in await published(client, uri, 1)] == ["SL001"]
    # A suppression typed in the buffer takes effect before it is saved.
    change_doc(client, uri, 2, BROKEN.replace("session.save_path", "; sesslint: ignore[SL001]\nsession.save_path"))
    assert list(await published(client, uri, 2)) == []

    # sesslint.toml is read from the workspace, its unsaved buffer when it is open.
    config = workspace / "sesslint.toml"
    config.write_text('ignore = ["SL001"]\n')
    change_doc(client, uri, 3, BROKEN)
    assert list(await published(client, uri, 3)) == []
    config_uri = open_doc(client, config, 'ignore = ["SL001"]\nfial-on = "error"\n')
    change_doc(client, uri, 4, BROKEN)
    # A broken config: the defaults, and the editor's log says why (with the line).
    assert [d.code for d in await published(client, uri, 4)] == ["SL001"]
    await until(lambda: any("sesslint.toml:2" in m.message for m in client.log_messages))
    # The config file itself is not taken for a php.ini.
    assert not [p for p in client.published if p.uri == config_uri and p.diagnostics]

    # An open .ini that discovery does not pick by its path is checked when opened.
    loose = workspace / "sessions-draft.ini"
    loose.write_text(BROKEN)
    loose_uri = open_doc(client, loose, BROKEN)
    assert [d.code for d in await published(client, loose_uri, 1)] == ["SL001"]


async def test_the_editor_user_sets_the_bytes_parsed(budget_client: LanguageClient, big_workspace):
    # initializationOptions maxHostMib = 1: 50-big.ini is past it, an SL002 error says so.
    client = budget_client
    from conftest import PHP_INI

    uri = open_doc(client, big_workspace / FPM / "php.ini", PHP_INI)
    await published(client, uri, 1)
    big = (big_workspace / FPM / "conf.d/50-big.ini").as_uri()

    def last_for(u):
        found = [p for p in client.published if p.uri == u]
        return found[-1].diagnostics if found else None

    await until(lambda: last_for(big) is not None)
    sl002 = [d for d in last_for(big) if d.code == "SL002"]
    assert sl002 and sl002[0].severity == types.DiagnosticSeverity.Error, last_for(big)
    assert "not parsed" in sl002[0].message and "1.0 MiB" in sl002[0].message, sl002[0].message
    # Raised from the editor's settings (workspace/didChangeConfiguration): the file is parsed.
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"sesslint": {"maxHostMib": 2}})
    )
    await until(lambda: not any(d.code == "SL002" for d in last_for(big)))
    # A value out of range is refused in the log, and the budget stays.
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"maxHostMib": 0}))
    await until(lambda: any("maxHostMib" in m.message for m in client.log_messages))
    refused = [m for m in client.log_messages if "maxHostMib" in m.message]
    assert "kept 2 MiB" in refused[-1].message, refused[-1].message


async def test_a_value_a_save_path_names_and_later_lines_of_a_password_are_masked(
    client: LanguageClient, workspace
):
    # `pw` is the password through `${pw}`; the second save path's password spans lines.
    text = (
        'pw = "LspRefPw1"\n'
        "session.save_handler = redis\n"
        'session.save_path = "tcp://127.0.0.1:6379?auth=${pw}"\n'
        'session.save_path = "tcp://127.0.0.1:6379?auth=LspML1\nLspML2\nLspML3"\n'
    )
    path = workspace / FPM / "conf.d/30-sessions.ini"
    path.write_text(text)
    uri = open_doc(client, path, text)
    await published(client, uri, 1)
    shown = ""
    for line in range(6):
        hover = await client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=1)
            )
        )
        if hover is not None:
            shown += hover.contents.value
    assert "**`pw`**" in shown and "`********`" in shown, shown
    everything = shown + repr(client.published)
    for secret in ["LspRefPw1", "LspML2", "LspML3"]:
        assert secret not in everything, everything


async def test_an_unsaved_buffer_of_a_linked_ini_reaches_its_other_names(client: LanguageClient, workspace):
    # Debian's layout: conf.d/30-sessions.ini is a link into mods-available. The buffer of
    # the target is the text FPM loads through the link, before it is saved.
    target = workspace / "etc/php/8.2/mods-available/sessions.ini"
    target.parent.mkdir(parents=True, exist_ok=True)
    from conftest import SESSIONS_OK

    target.write_text(SESSIONS_OK)
    link = workspace / FPM / "conf.d/30-sessions.ini"
    link.unlink()
    link.symlink_to("../../mods-available/sessions.ini")
    link_uri = link.as_uri()

    uri = open_doc(client, target, BROKEN)
    assert "SL001" in [d.code for d in await published(client, uri, 1)]
    await until(lambda: any(p.uri == link_uri and any(d.code == "SL001" for d in p.diagnostics) for p in client.published))

    # And the other way round: the link's buffer is the target's text.
    change_doc(client, uri, 2, SESSIONS_OK)
    assert "SL001" not in [d.code for d in await published(client, uri, 2)]
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    start = len(client.published)
    link_doc = open_doc(client, link, BROKEN)
    assert "SL001" in [d.code for d in await published(client, link_doc, 1)]
    target_uri = target.as_uri()
    await until(
        lambda: any(
            p.uri == target_uri and any(d.code == "SL001" for d in p.diagnostics) for p in client.published[start:]
        )
    )
