"""Text columns made from codes: object arrays for pandas users, Arrow text for writers.

Geocoding decides most of its output (province, method, category...) as small integer
codes into short lists of labels. :func:`coded_text` turns codes into the column once, at
the end: an object array (``None`` for -1) for frames handed to users, or Arrow-backed
pandas text for the block writers, which would otherwise convert every value again
while holding the GIL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["coded_text"]


def coded_text(codes: np.ndarray, labels: Sequence[Any], *, arrow: bool = False) -> Any:
    """Return ``labels[code]`` for every code; missing where the code is -1.

    Parameters
    ----------
    codes : numpy.ndarray of int
        Positions in ``labels``; -1 for a missing value.
    labels : sequence of str or None
        The texts (repeats and None allowed).
    arrow : bool, default False
        Return Arrow-backed pandas text (``str`` dtype) instead of an object array.

    Returns
    -------
    numpy.ndarray of object or pandas.arrays.ArrowStringArray
    """
    if not arrow:
        return np.array([*labels, None], dtype=object)[codes]
    import pyarrow as pa

    indices = pa.array(np.asarray(codes, dtype=np.int32), mask=np.asarray(codes) < 0)
    values = pa.array(
        np.array(list(labels), dtype=object), type=pa.large_string(), from_pandas=True
    )
    text = pa.DictionaryArray.from_arrays(indices, values).dictionary_decode()
    return pd.arrays.ArrowStringArray(
        pa.chunked_array([text]), dtype=pd.StringDtype("pyarrow", na_value=np.nan)
    )
