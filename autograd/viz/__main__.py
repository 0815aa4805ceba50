"""``python -m autograd.viz "tanh(x*w + b)" --at x=0.5 w=0.7 b=0 -o neuron.svg``"""

import sys

from .cli import main

sys.exit(main())
