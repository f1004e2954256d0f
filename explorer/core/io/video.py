"""Encode RGB frames (numpy `H x W x 3` uint8) as an animated GIF or an H.264 MP4 (no Qt).

GIF goes through Pillow with one palette for the whole clip (built from the first frame,
the points' colours do not change between frames), so colours never flicker and unchanged
regions compress away. MP4 streams frames to the ffmpeg that imageio-ffmpeg ships (libx264,
yuv420p, `+faststart`: plays in slides and browsers). Frames are written to a temp file beside
the asked name and renamed over it at `close()`; `abort()` (or an exception inside the
`with` block, Cancel included) removes it, so a cancelled or failed recording leaves no
partial file.

    with VideoWriter("run.gif", "gif", fps=8) as writer:
        for frame in frames:
            writer.append(frame)
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from explorer.core import ExplorerError
from explorer.core.io.atomic import temp_beside

VIDEO_FORMATS = {"gif": "Animated GIF", "mp4": "MP4 video (H.264)"}
MAX_FPS = 60
MIN_WIDTH, MIN_HEIGHT, MAX_SIDE = 320, 200, 4096  # frame sides in pixels (below: axes and legend do not fit)
GIF_COLOURS = 255  # one palette entry stays free for Pillow's transparency bookkeeping


def check_fps(fps) -> float:
    try:
        value = float(fps)
    except (TypeError, ValueError):
        raise ExplorerError(f"fps must be a number, not {fps!r}") from None
    if not (0 < value <= MAX_FPS):
        raise ExplorerError(f"fps must be above 0 and at most {MAX_FPS}, not {fps}")
    return value


def parse_size(text) -> tuple[int, int]:
    """'800x600' (or a (w, h) pair) -> (800, 600), at least MIN_WIDTH x MIN_HEIGHT."""
    if isinstance(text, (tuple, list)) and len(text) == 2:
        width, height = text
    else:
        try:
            width, height = (int(v) for v in str(text).lower().replace("×", "x").split("x"))
        except ValueError:
            raise ExplorerError(f"a size looks like 800x600 (width x height in pixels), not {text!r}") from None
    width, height = int(width), int(height)
    if not (MIN_WIDTH <= width <= MAX_SIDE and MIN_HEIGHT <= height <= MAX_SIDE):
        raise ExplorerError(f"a frame is {MIN_WIDTH} to {MAX_SIDE} pixels wide and {MIN_HEIGHT} to {MAX_SIDE} "
                            f"high (the axes and the legend need the room), not {width}x{height}")
    return width, height


def video_format(path, fmt: str | None = None) -> str:
    """The format asked for, else the file's suffix (.gif, .mp4)."""
    if fmt is None:
        fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in VIDEO_FORMATS:
        raise ExplorerError(f"a recording is {' or '.join(VIDEO_FORMATS)}, not {fmt!r}", path)
    return fmt


def even_frame(frame: np.ndarray) -> np.ndarray:
    """H.264 in yuv420p needs even sides: repeat the last row / column where a side is odd."""
    h, w = frame.shape[:2]
    if h % 2:
        frame = np.concatenate([frame, frame[-1:]], axis=0)
    if w % 2:
        frame = np.concatenate([frame, frame[:, -1:]], axis=1)
    return frame


class VideoWriter:
    """Append frames of one size; `close()` writes the file, `abort()` leaves nothing."""

    def __init__(self, path, fmt: str | None = None, fps: float = 8, *, loop: bool = True,
                 quality: int = 7) -> None:
        self.path = Path(path)
        self.format = video_format(self.path, fmt)
        self.fps = check_fps(fps)
        self.loop = loop
        self.quality = quality
        self.size: tuple[int, int] | None = None  # (width, height) of the first frame
        self.count = 0
        fd, self._tmp = temp_beside(self.path)
        os.close(fd)  # Pillow and ffmpeg open the temp file by name
        self._gif_frames: list = []
        self._gif_repeats: list[int] = []
        self._palette = None
        self._ffmpeg = None
        self._closed = False

    # -- frames ---------------------------------------------------------------------------
    def append(self, frame: np.ndarray, repeat: int = 1) -> None:
        """One frame, shown for `repeat` frame times (a GIF keeps it once, with a longer delay)."""
        repeat = int(repeat)
        if repeat < 1:
            raise ExplorerError(f"a frame is shown at least once, not {repeat} times", self.path)
        if self._closed:
            raise ExplorerError("the recording is already closed", self.path)
        frame = np.asarray(frame)
        if frame.ndim != 3 or frame.shape[2] not in (3, 4) or frame.dtype != np.uint8:
            raise ExplorerError(f"a frame is H x W x 3 uint8 RGB, not {frame.shape} {frame.dtype}", self.path)
        frame = np.ascontiguousarray(frame[:, :, :3])
        size = (frame.shape[1], frame.shape[0])
        if self.size is None:
            self.size = size
        elif size != self.size:
            raise ExplorerError(f"frame {self.count + 1} is {size[0]}x{size[1]}, the first was "
                                f"{self.size[0]}x{self.size[1]}", self.path)
        try:
            if self.format == "gif":
                self._append_gif(frame, repeat)
            else:
                self._append_mp4(frame, repeat)
        except ExplorerError:
            raise
        except (OSError, RuntimeError, ValueError) as exc:
            self.abort()
            raise ExplorerError(f"could not encode frame {self.count + 1} ({exc})", self.path) from None
        self.count += 1

    def _append_gif(self, frame: np.ndarray, repeat: int) -> None:
        from PIL import Image

        image = Image.fromarray(frame, "RGB")
        if self._palette is None:  # one palette for the clip: no flicker, and small deltas
            self._palette = image.quantize(GIF_COLOURS, method=Image.Quantize.MEDIANCUT)
        self._gif_frames.append(image.quantize(palette=self._palette, dither=Image.Dither.NONE))
        self._gif_repeats.append(repeat)

    def _append_mp4(self, frame: np.ndarray, repeat: int) -> None:
        if self._ffmpeg is None:
            import imageio_ffmpeg

            h, w = even_frame(frame).shape[:2]
            self._ffmpeg = imageio_ffmpeg.write_frames(
                str(self._tmp), (w, h), fps=self.fps, codec="libx264", quality=self.quality,
                macro_block_size=1, pix_fmt_out="yuv420p", ffmpeg_log_level="error",
                output_params=["-f", "mp4", "-movflags", "+faststart"])
            self._ffmpeg.send(None)  # start ffmpeg
        data = even_frame(frame).tobytes()
        for _ in range(repeat):
            self._ffmpeg.send(data)

    # -- the end ----------------------------------------------------------------------------
    def close(self) -> Path:
        """Finish the file and rename it over `path`; returns `path`."""
        if self._closed:
            return self.path
        if self.count == 0:
            self.abort()
            raise ExplorerError("there is no frame to record", self.path)
        try:
            if self.format == "gif":
                first, *rest = self._gif_frames
                # GIF delays are whole 1/100 s: each frame's delay is rounded from its time on screen.
                duration = [max(2, int(round(100 * r / self.fps))) * 10 for r in self._gif_repeats]
                extra = {"loop": 0} if self.loop else {}  # loop 0: forever
                first.save(self._tmp, format="GIF", save_all=True, append_images=rest, duration=duration,
                           optimize=False, disposal=1, **extra)
                self._gif_frames = []
            else:
                self._ffmpeg.close()
                self._ffmpeg = None
            os.replace(self._tmp, self.path)
        except (OSError, RuntimeError, ValueError) as exc:
            self.abort()
            raise ExplorerError(f"could not write the recording ({exc})", self.path) from None
        self._closed = True
        return self.path

    def abort(self) -> None:
        """Stop and remove the temp file: nothing is left under `path` or beside it."""
        self._closed = True
        self._gif_frames, self._gif_repeats = [], []
        if self._ffmpeg is not None:
            ffmpeg, self._ffmpeg = self._ffmpeg, None
            try:
                ffmpeg.close()
            except Exception:  # noqa: BLE001 - the file is being thrown away anyway
                pass
        Path(self._tmp).unlink(missing_ok=True)

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def read_video(path) -> tuple[list[np.ndarray], dict]:
    """Frames (RGB uint8) and metadata of a GIF or MP4 this module wrote (for tests and tools)."""
    import imageio.v3 as iio

    path = Path(path)
    if video_format(path) == "gif":
        frames = [np.asarray(f)[:, :, :3] for f in iio.imiter(path, extension=".gif")]
        meta = iio.immeta(path, extension=".gif")
    else:
        import imageio_ffmpeg

        reader = imageio_ffmpeg.read_frames(str(path))
        meta = next(reader)
        w, h = meta["size"]
        frames = [np.frombuffer(b, np.uint8).reshape(h, w, 3) for b in reader]
    return frames, meta
