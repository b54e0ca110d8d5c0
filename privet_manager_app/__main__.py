import sys

from privet_manager_app.cli import main
from privet_manager_app.domain.common.errors import DomainError
from privet_manager_app.settings import InsecureSettingsError

# Guarded: the CPU pool's spawned workers import the main module again (infra/cpu_pool.py).
if __name__ == "__main__":
    try:
        main()
    except InsecureSettingsError as error:
        print(f"Ошибка конфигурации: {error}", file=sys.stderr)
        sys.exit(2)
    except DomainError as error:
        print(f"Ошибка: {error.message}", file=sys.stderr)
        sys.exit(2)
