"""Build step of the wheel: the package carries what the app reads at run time.

Metadata lives in setup.cfg. The repository keeps ``templates/`` (with ``static/``) and
``migrations/`` at its top, as the project's layout prescribes; a wheel has no such place,
so ``build_py`` copies them into ``marketplace/`` and compiles the message catalogs
(``marketplace/translations/*/LC_MESSAGES/messages.po`` → ``.mo``) with Babel.
``marketplace/__init__.py`` (``PACKAGE_ROOT``) finds them there when installed, and at
the top of the checkout otherwise.

An editable install (``make install``) copies nothing: it runs from the source tree, whose
catalogs ``make translations`` compiles in place.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
DATA_FOLDERS = ("templates", "migrations")  # top-level folders the package carries
CATALOGS = Path("marketplace", "translations")


def compile_catalogs(source: Path, target: Path) -> None:
    """``pybabel compile`` for every catalog: fuzzy entries left out, errors fatal."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in sorted(source.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.relative_to(source).parts[0])
        errors = [
            f"{po}: {message.id!r}: {error}" for message, errs in catalog.check() for error in errs
        ]
        if errors:
            raise SystemExit("message catalog errors:\n" + "\n".join(errors))
        mo = target / po.relative_to(source).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with mo.open("wb") as fh:
            write_mo(fh, catalog)


class build_py_with_data(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        package = Path(self.build_lib) / "marketplace"
        for name in DATA_FOLDERS:
            target = package / name
            shutil.rmtree(target, ignore_errors=True)  # nothing left over from an earlier build
            shutil.copytree(
                ROOT / name, target, ignore=shutil.ignore_patterns("__pycache__", "*.py[co]")
            )
        compile_catalogs(ROOT / CATALOGS, Path(self.build_lib) / CATALOGS)


setup(cmdclass={"build_py": build_py_with_data})
