import subprocess
import sys


def test_scheduling_imports_neither_flask_nor_sqlalchemy():
    code = (
        "import sys, scheduling, scheduling.cli, scheduling.generate\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'flask_sqlalchemy')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
