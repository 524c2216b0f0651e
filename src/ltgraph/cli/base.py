"""The `ltgraph` click group and what every command shares: settings, the service, errors.

Every `LtgraphError` becomes a one-line message on stderr and exit code 1 (2 for usage
errors, as click does); tracebacks never reach the user (`LTGRAPH_DEBUG=1` shows them).
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Any, Callable

import click

from ltgraph.config import Settings
from ltgraph.errors import LtgraphError, NotFoundError, ValidationError


def _fail_cleanly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Map ltgraph's errors to a one-line message and a non-zero exit."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ValidationError as exc:
            for problem in exc.problems:
                click.echo(problem, err=True)
            raise click.ClickException(str(exc)) from None
        except NotFoundError as exc:
            raise click.ClickException(f"{exc}; `ltgraph list` shows the entries") from None
        except LtgraphError as exc:
            raise click.ClickException(str(exc)) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:  # `ltgraph … | head`: the reader has gone, as with any Unix tool
            _quiet_exit_on_closed_pipe()
        except Exception as exc:  # a bug: still one line, never a traceback (unless debugging)
            if os.environ.get("LTGRAPH_DEBUG"):
                raise
            raise click.ClickException(f"internal error ({type(exc).__name__}: {exc}); "
                                       "please report it (LTGRAPH_DEBUG=1 shows the traceback)"
                                       ) from None

    return wrapper


def _service(ctx: click.Context) -> Any:
    from ltgraph.service import Service  # keeps `ltgraph --help` fast: no rdflib import

    obj = ctx.find_root().obj
    if "service" not in obj:
        obj["service"] = Service(obj["settings"])
        obj["service"].writer.on_wait = lambda message: click.echo(message, err=True)
    return obj["service"]


def _live_entries(ctx: click.Context) -> list[Any]:
    """The live entries read from their files alone: `list` and `show` load no graph, index
    or model."""
    from ltgraph.store.generation import live_entries

    settings = ctx.find_root().obj["settings"]
    return live_entries(settings.data_dir, settings.max_entry_bytes)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where derived data lives [env LTGRAPH_DATA_DIR; default "
                   "~/.local/share/ltgraph].")
@click.option("--corpus-dir", type=click.Path(file_okay=False, path_type=Path),
              help="The bundled corpus to build from [env LTGRAPH_CORPUS_DIR; default: the "
                   "corpus shipped with ltgraph].")
@click.option("--base-iri", help="Base of minted IRIs [env LTGRAPH_BASE_IRI].")
@click.version_option(package_name="ltgraph")
@click.pass_context
@_fail_cleanly
def cli(ctx: click.Context, data_dir: Path | None, corpus_dir: Path | None,
        base_iri: str | None) -> None:
    """ltgraph: a knowledge graph and semantic search over learning theories.

    Settings come from these options, then LTGRAPH_* environment variables, then defaults.
    """
    ctx.ensure_object(dict)
    ctx.obj["settings"] = Settings.checked(data_dir=data_dir, corpus_dir=corpus_dir,
                                           base_iri=base_iri)



def _quiet_exit_on_closed_pipe() -> None:
    """Exit with 141 (128 + SIGPIPE) without a message, and without Python complaining at
    shutdown about flushing stdout into the closed pipe."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(141)


