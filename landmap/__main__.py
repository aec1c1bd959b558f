import sys

from landmap.cli.main import main

sys.exit(main())
