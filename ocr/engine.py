"""Chinese OCR of one page image (全文识别): RapidOCR on ONNX Runtime, with the PP-OCRv6 small models its wheel ships.

Nothing is downloaded: the models are inside the installed package. As a command it reads image files and prints one
JSON reading per line, which is how bench/ocr-accuracy.ts measures the engine on its own:

    python3 ocr/engine.py page1.png page2.png
"""

import json
import logging
import os
import sys
import time
from importlib.metadata import version
from typing import Any, Optional


class UnreadableImage(Exception):
    """The bytes are not an image the engine can decode."""


def _quiet() -> None:
    # RapidOCR logs every model it loads at INFO, through its own logger.
    for name in ("RapidOCR", "rapidocr"):
        logging.getLogger(name).setLevel(logging.WARNING)


class Engine:
    """One loaded engine. Not thread-safe: the worker runs one page at a time per process."""

    def __init__(self, threads: Optional[int] = None) -> None:
        from rapidocr import RapidOCR  # imported here so that `--help` and config errors need no model load

        threads = threads if threads and threads > 0 else -1
        self._ocr = RapidOCR(
            params={
                "Global.log_level": "warning",
                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1 if threads > 0 else -1,
            }
        )
        _quiet()
        self.name = f"rapidocr {version('rapidocr')} PP-OCRv6 small, onnxruntime {version('onnxruntime')}"

    def read(self, image: bytes) -> dict[str, Any]:
        """The page's lines in reading order: text, confidence and the four corners of each line in image pixels."""
        import cv2
        import numpy as np

        decoded = cv2.imdecode(np.frombuffer(image, dtype=np.uint8), cv2.IMREAD_COLOR)
        if decoded is None:
            raise UnreadableImage("the stored object is not an image OpenCV can decode")
        started = time.perf_counter()
        result = self._ocr(decoded)
        milliseconds = round((time.perf_counter() - started) * 1000)
        lines = []
        if result.txts is not None:
            for text, score, box in zip(result.txts, result.scores, result.boxes):
                lines.append(
                    {
                        "text": text,
                        "confidence": round(float(score), 4),
                        "box": [[round(float(x)), round(float(y))] for x, y in box.tolist()],
                    }
                )
        confidence = round(sum(l["confidence"] for l in lines) / len(lines), 4) if lines else None
        return {
            "engine": self.name,
            "text": "\n".join(l["text"] for l in lines),
            "lines": lines,
            "confidence": confidence,
            "milliseconds": milliseconds,
            "width": int(decoded.shape[1]),
            "height": int(decoded.shape[0]),
        }


def main(paths: list[str]) -> int:
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    engine = Engine(int(os.environ.get("LANTAI_OCR_THREADS", "0") or 0))
    for path in paths:
        with open(path, "rb") as f:
            reading = engine.read(f.read())
        print(json.dumps({"path": path, **reading}, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
