"""Film clips: motion, hints that follow their object, coherent colours, files in and out, resuming."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest
from builders import BUNDLED, colour_photo
from clips_factory import make_clip
from PIL import Image

from ideepcolor_app.cli import main
from ideepcolor_app.evaluation.evaluate_video import flicker, pan_clip, score_clip
from ideepcolor_app.hints.local_hints import Hint
from ideepcolor_app.video import render as render_module
from ideepcolor_app.video.clips import VideoError, probe, read_frames
from ideepcolor_app.video.motion import MotionEstimator
from ideepcolor_app.video.temporal import ClipColorizer, Keyframe, carried_keyframe


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return colour_photo(3, (200, 120))


def write_frames(folder: Path, frames: list[np.ndarray]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, frame in enumerate(frames):
        Image.fromarray(frame).save(folder / f"f{i:03d}.png")
    return folder


def test_the_colours_of_a_pan_flicker_less_than_frame_by_frame_and_are_as_good(bundled_engine, photo):
    truth, horizontal = pan_clip(photo, frames=8, step=2)
    by_frame = score_clip(bundled_engine, truth, horizontal, (), carry=0.0, track=False)
    coherent = score_clip(bundled_engine, truth, horizontal, (), carry=0.85, track=True)
    assert coherent[2] < by_frame[2] / 2, "colours stay put while the view pans"
    assert coherent[0] > by_frame[0] - 0.2


def test_flicker_of_the_truth_is_zero_for_a_pan(photo):
    from ideepcolor_app.colour.color import rgb_to_lab_np

    truth, horizontal = pan_clip(photo, frames=3, step=2)
    ab = [rgb_to_lab_np(f.astype(np.float64) / 255)[..., 1:] for f in truth]
    assert flicker(ab[0], ab[1], 2, horizontal) == pytest.approx(0.0, abs=1e-9)


def test_a_hint_follows_its_object_and_is_dropped_at_a_cut(bundled_engine, photo):
    truth, _ = pan_clip(photo, frames=6, step=3)
    hint = Hint(100.0, 60.0, (40.0, 30.0))
    colorizer = ClipColorizer(bundled_engine, [Keyframe(0, (hint,))])
    for index, frame in enumerate(truth):
        colorizer.colorize(index, frame)
    (moved,) = colorizer.hints_at((truth[0].shape[1], truth[0].shape[0]))
    assert moved.x == pytest.approx(100.0 - 5 * 3, abs=2.0) and moved.y == pytest.approx(60.0, abs=2.0)
    other = colour_photo(9, (truth[0].shape[1], truth[0].shape[0]))[..., ::-1].copy()
    colorizer.colorize(len(truth), other)
    assert colorizer.cuts == [len(truth)]
    assert colorizer.hints_at((10, 10)) == ()


def test_a_frame_between_keyframes_gets_the_hints_the_video_carries_there(bundled_engine, photo):
    """What the window shows on a frame that is not a keyframe: the earlier keyframe's hints moved
    with the picture, exactly as ``video`` moves them; a keyframe shows its own."""
    truth, _ = pan_clip(photo, frames=8, step=3)

    def frames(first, last):
        return ((i, truth[i]) for i in range(first, last))

    hint, later = Hint(100.0, 60.0, (40.0, 30.0)), Hint(50.0, 50.0, (-20.0, 10.0))
    keyframes = [Keyframe(0, (hint,)), Keyframe(6, (later,))]

    def carried_hints(keyframes, index, **kwargs):
        carried = carried_keyframe(bundled_engine, frames, keyframes, index, **kwargs)
        return None if carried is None else carried.hints

    assert carried_hints(keyframes, 6) == (later,)
    (moved,) = carried_hints(keyframes, 5)
    assert moved.x == pytest.approx(100.0 - 5 * 3, abs=2.0) and moved.ab == hint.ab
    (after,) = carried_hints(keyframes, 7)
    assert after.x == pytest.approx(50.0 - 3, abs=2.0) and after.ab == later.ab
    assert carried_hints([Keyframe(3, (hint,))], 2) == (), "nothing before the first keyframe"
    assert carried_hints(keyframes, 5, should_stop=lambda: True) is None
    colorizer = ClipColorizer(bundled_engine, [Keyframe(0, (hint,))])
    for index in range(6):
        colorizer.colorize(index, truth[index])
    assert colorizer.hints_at((truth[0].shape[1], truth[0].shape[0])) == (moved,), "the video's own hints"


def test_carried_hints_left_unchanged_do_not_make_a_keyframe(tmp_path):
    from ideepcolor_app.video.clip_hints import ClipHints
    from ideepcolor_app.video.clips import ClipInfo

    hint = Hint(10.0, 10.0, (20.0, 20.0))
    clip = ClipHints(ClipInfo(tmp_path / "c.mp4", (64, 48), Fraction(24), 30, False), {0: (hint,)})
    carried = (Hint(7.0, 10.0, (20.0, 20.0)),)
    clip.mark_saved()
    clip.current, clip.carried[5] = 5, carried
    assert clip.keyframes_with(carried) == {0: (hint,)} and not clip.modified(carried)
    clip.store(5, carried)
    assert list(clip.keyframes) == [0]
    changed = (Hint(7.0, 12.0, (20.0, 20.0)),)
    assert clip.keyframes_with(changed) == {0: (hint,), 5: changed} and clip.modified(changed)
    clip.store(5, changed)
    assert list(clip.keyframes) == [0, 5]


@pytest.mark.parametrize("rotation", [90, 270])
def test_a_phone_s_portrait_clip_is_read_and_written_upright(tmp_path, photo, rotation, capsys):
    """A phone stores a portrait clip lying on its side with a display rotation: frames are turned
    upright when read, so the output (written upright, no flag needed) is not sideways."""
    lying = [np.ascontiguousarray(np.rot90(photo, -rotation // 90)) for _ in range(3)]  # as the sensor saw it
    clip = make_clip(tmp_path / "phone.mp4", lying, sound=False, rotation=rotation)
    info = probe(clip)
    assert info.rotation == rotation and info.size == (photo.shape[1] // 2 * 2, photo.shape[0] // 2 * 2)
    _, frame = next(read_frames(info))
    assert frame.shape[:2] == photo.shape[:2]
    grey = photo.mean(axis=2)
    assert np.abs(frame[..., 0].astype(float) - grey[: frame.shape[0], : frame.shape[1]]).mean() < 6, "upright"
    out = tmp_path / "out.mp4"
    assert main(["video", str(clip), "-o", str(out), "--weights", str(BUNDLED), "--device", "cpu"]) == 0
    assert f"turned {rotation}°" in capsys.readouterr().out
    written = probe(out)
    assert written.rotation == 0 and written.size == info.size


def test_motion_is_trusted_where_it_is_seen_in_both_frames(photo):
    grey = photo.mean(axis=2).astype(np.uint8)
    motion = MotionEstimator().between(grey[:, 10:170], grey[:, 14:174])
    assert not motion.cut
    assert float(np.median(motion.backward[20:-20, 20:-20, 0])) == pytest.approx(4.0, abs=0.5)
    assert motion.confidence[:, -2:].mean() < 0.5 < motion.confidence[:, 40:120].mean()  # new at the right edge


def _network_grey(rgb: np.ndarray) -> np.ndarray:
    grey = rgb.mean(axis=2).astype(np.uint8)
    return cv2.resize(grey, (256, 256), interpolation=cv2.INTER_AREA)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_real_cuts_that_look_alike_in_brightness_are_cuts(seed):
    """Cuts the old brightness threshold missed (docs/recipes/cut_measure.py): one dark shot to
    another, and a wide shot to a close-up of the same screen (a film's cut scored 33.8 of 40)."""
    first, second = colour_photo(seed, (320, 200)), colour_photo(seed + 10, (320, 200))
    dark = [(frame * 0.15).astype(np.uint8) for frame in (first, second)]
    assert MotionEstimator().between(*map(_network_grey, dark)).cut, "one dark shot to another"
    close_up = cv2.resize(first[50:150, 80:240], (320, 200), interpolation=cv2.INTER_CUBIC)
    assert MotionEstimator().between(_network_grey(first), _network_grey(close_up)).cut, "wide shot to a close-up"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_flash_or_a_fast_pan_is_not_a_cut(seed):
    photo = colour_photo(seed, (480, 200))
    flash = np.clip(photo * 1.6, 0, 255).astype(np.uint8)
    assert not MotionEstimator().between(_network_grey(photo), _network_grey(flash)).cut, "the same shot, brighter"
    width = 360
    before, after = photo[:, :width], photo[:, 36 : 36 + width]  # a tenth of the frame in one frame
    assert not MotionEstimator().between(_network_grey(before), _network_grey(after)).cut, "a fast pan"


def test_video_command_colours_a_folder_of_frames_and_resumes_after_a_stop(tmp_path, photo, monkeypatch, capsys):
    truth, _ = pan_clip(photo, frames=6, step=2)
    source = write_frames(tmp_path / "in", truth)
    out = tmp_path / "out"
    real_write = render_module.FrameFolder.write
    written: list[int] = []

    def stop_after_three(self, index, rgb):
        if index == 3:
            raise KeyboardInterrupt
        written.append(index)
        real_write(self, index, rgb)

    monkeypatch.setattr(render_module.FrameFolder, "write", stop_after_three)
    assert main(["video", str(source), "-o", str(out), "--weights", str(BUNDLED)]) == 130
    assert "Run the same command again" in capsys.readouterr().err
    frames = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert frames == [f"frame_{i:06d}.png" for i in range(3)]
    assert (out / ".carry-000002.npy").exists(), "the colours the last frame hands on wait for the resume"
    stamps = {p.name: p.stat().st_mtime_ns for p in out.iterdir() if not p.name.startswith(".")}
    monkeypatch.setattr(
        render_module.FrameFolder, "write", lambda self, i, rgb: (written.append(i), real_write(self, i, rgb))
    )
    written.clear()
    assert main(["video", str(source), "-o", str(out), "--weights", str(BUNDLED)]) == 0
    assert written == [3, 4, 5], "finished frames are not recomputed"
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.name in stamps} == stamps
    frames = [np.asarray(Image.open(out / f"frame_{i:06d}.png")) for i in range(6)]
    assert all(f.shape == truth[0].shape for f in frames)


def test_video_command_keeps_the_sound_of_a_video_file(tmp_path, photo):
    av = pytest.importorskip("av")
    truth, _ = pan_clip(photo, frames=12, step=2)
    clip = make_clip(tmp_path / "clip.mp4", truth)
    result = tmp_path / "colour.mp4"
    assert main(["video", str(clip), "-o", str(result), "--weights", str(BUNDLED)]) == 0
    with av.open(str(result)) as written:
        frames = [f.to_ndarray(format="rgb24") for f in written.decode(video=0)]
        assert written.streams.audio, "the sound survives"
    with av.open(str(result)) as written:
        assert sum(f.samples for f in written.decode(audio=0)) > 15000
    assert len(frames) == 12 and frames[0].shape[:2] == (video_height(truth), video_width(truth))
    colour = frames[6].astype(int)
    assert np.abs(colour[..., 0] - colour[..., 2]).mean() > 1.0, "the frames are coloured"
    assert not (tmp_path / "colour.mp4.frames").exists(), "the work folder is gone once encoded"
    assert main(["video", str(clip), "-o", str(result), "--weights", str(BUNDLED)]) != 0, "no silent overwrite"


def video_height(truth):
    return truth[0].shape[0] // 2 * 2


def video_width(truth):
    return truth[0].shape[1] // 2 * 2


def test_a_damaged_video_gets_a_clear_message(tmp_path, capsys):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 100)
    assert main(["video", str(broken), "-o", str(tmp_path / "out")]) == 1
    assert "broken.mp4" in capsys.readouterr().err
    with pytest.raises(VideoError, match="no such file"):
        probe(tmp_path / "missing.mp4")


def test_a_keyframe_outside_the_clip_is_refused(tmp_path, photo, capsys):
    from ideepcolor_app.editing.session import Session

    truth, _ = pan_clip(photo, frames=3, step=2)
    source = write_frames(tmp_path / "in", truth)
    session = tmp_path / "frame.hints.json"
    Session("f000.png", "0" * 64, (truth[0].shape[1], truth[0].shape[0]), [Hint(20.0, 20.0, (30.0, 30.0))]).save(
        session
    )
    code = main(
        [
            "video",
            str(source),
            "-o",
            str(tmp_path / "out"),
            "--hints",
            str(session),
            "--keyframe",
            "7",
            "--weights",
            str(BUNDLED),
        ]
    )
    assert code == 1
    assert "--keyframe 7" in capsys.readouterr().err


def test_frames_over_4k_are_scaled_down_with_a_note(tmp_path):
    folder = tmp_path / "scan"
    folder.mkdir()
    Image.fromarray(np.zeros((3000, 4000, 3), np.uint8)).save(folder / "f0.png")
    info = probe(folder)
    assert info.scaled_from == (4000, 3000) and info.size[0] <= 3840 and info.size[1] <= 2160
    ((index, frame),) = list(read_frames(info))
    assert frame.shape[:2] == (info.size[1], info.size[0])


def test_video_command_takes_a_range_and_a_frames_hints(tmp_path, photo):
    from ideepcolor_app.editing.session import Session

    truth, _ = pan_clip(photo, frames=8, step=2)
    source = write_frames(tmp_path / "in", truth)
    size = (truth[0].shape[1], truth[0].shape[0])
    session = tmp_path / "frame2.hints.json"
    Session("f002.png", "0" * 64, size, [Hint(60.0, 50.0, (-40.0, 50.0), 9)]).save(session)
    out = tmp_path / "out"
    args = ["video", str(source), "-o", str(out), "--fps", "4", "--start", "0.5", "--end", "1.5"]
    assert main([*args, "--hints", str(session), "--keyframe", "2", "--weights", str(BUNDLED)]) == 0
    written = sorted(p.name for p in out.iterdir())
    assert written == [f"frame_{i:06d}.png" for i in range(4)], "frames 2 to 5 of the input"
    from ideepcolor_app.colour.color import rgb_to_lab_np

    first = rgb_to_lab_np(np.asarray(Image.open(out / written[0])).astype(np.float64) / 255)
    a, b = first[48:53, 58:63, 1:].reshape(-1, 2).mean(axis=0)
    assert a < -15 and b > 20, "the keyframe's hint colours its frame"


def test_a_clip_session_keeps_hints_on_several_frames_and_is_checked(tmp_path):
    import json

    from ideepcolor_app.base.errors import SessionError
    from ideepcolor_app.editing.session import Session

    keyframes = {0: [Hint(10.0, 10.0, (20.0, 20.0))], 40: [Hint(30.0, 5.0, (-10.0, 30.0), 3)]}
    path = tmp_path / "clip.hints.json"
    Session("clip.mp4", "0" * 64, (64, 48), [], keyframes=keyframes).save(path)
    data = json.loads(path.read_text())
    assert data["version"] == 3 and [k["frame"] for k in data["keyframes"]] == [0, 40]
    assert Session.load(path).keyframes == keyframes
    data["keyframes"][1]["frame"] = 0  # the same frame twice
    path.write_text(json.dumps(data))
    with pytest.raises(SessionError, match=r"keyframes\[1\]\.frame"):
        Session.load(path)
    plain = tmp_path / "photo.hints.json"
    Session("p.png", "0" * 64, (64, 48), [Hint(1.0, 1.0, (0.0, 0.0))]).save(plain)
    assert json.loads(plain.read_text())["version"] == 1, "older apps still read a photo's session"


def test_video_command_uses_every_keyframe_of_a_clip_session(tmp_path, photo, monkeypatch):
    from ideepcolor_app.commands import video as video_command
    from ideepcolor_app.editing.session import Session

    truth, _ = pan_clip(photo, frames=4, step=2)
    source = write_frames(tmp_path / "in", truth)
    size = (truth[0].shape[1], truth[0].shape[0])
    keyframes = {0: [Hint(20.0, 20.0, (30.0, 30.0))], 2: [Hint(40.0, 30.0, (-30.0, 20.0))]}
    session = tmp_path / "clip.hints.json"
    Session("in", "0" * 64, size, [], keyframes=keyframes).save(session)
    seen = {}

    def spy(bundled_engine, plan, given_keyframes, *args, **kwargs):
        seen["keyframes"] = given_keyframes
        return 0

    monkeypatch.setattr(video_command, "render", spy)
    args = ["video", str(source), "-o", str(tmp_path / "out"), "--hints", str(session), "--keyframe", "9"]
    assert main([*args, "--weights", str(BUNDLED)]) == 0
    assert {k.frame: k.hints for k in seen["keyframes"]} == {f: tuple(h) for f, h in keyframes.items()}


def test_a_keyframes_lasso_follows_its_object_and_holds_its_colour_there(bundled_engine, photo):
    from ideepcolor_app.colour.color import rgb_to_lab_np
    from ideepcolor_app.hints.regions import Region
    from ideepcolor_app.hints.strokes import Stroke

    truth, _ = pan_clip(photo, frames=6, step=3)
    height, width = truth[0].shape[:2]
    square = ((90.0, 40.0), (130.0, 40.0), (130.0, 80.0), (90.0, 40.0 + 40.0))
    lasso = Region(square, (50.0, -50.0))
    stroke = Stroke(((20.0, 100.0), (60.0, 100.0)), 4.0, (-40.0, 40.0))
    colorizer = ClipColorizer(bundled_engine, [Keyframe(0, (), (stroke,), (lasso,))])
    for index, frame in enumerate(truth):
        result = colorizer.colorize(index, frame)
    (strokes, (moved,)) = colorizer.shapes_at((width, height))
    assert moved.ab == lasso.ab and len(strokes) == 1
    xs = [x for x, _ in moved.polygon]
    assert min(xs) == pytest.approx(90.0 - 5 * 3, abs=3.0) and max(xs) == pytest.approx(130.0 - 5 * 3, abs=3.0)
    ab = rgb_to_lab_np(result.preview_rgb(1024).astype(np.float64) / 255)[..., 1:]
    a, b = ab[50:70, 85:105].reshape(-1, 2).mean(axis=0)  # inside where the object is now
    assert a > 25 and b < -25, "the lasso's colour went with its object"
    a, b = ab[50:70, 118:128].reshape(-1, 2).mean(axis=0)  # where it was, now outside it
    assert not (a > 25 and b < -25)
    other = colour_photo(9, (width, height))[..., ::-1].copy()
    colorizer.colorize(len(truth), other)
    assert colorizer.shapes_at((width, height)) == ((), ()), "strokes and lassos stop at a cut"


def test_video_applies_a_sessions_strokes_and_lassos_and_a_clip_session_keeps_them_per_frame(
    tmp_path, photo, monkeypatch
):
    import json

    from ideepcolor_app.commands import video as video_command
    from ideepcolor_app.editing.session import Session
    from ideepcolor_app.hints.regions import Region
    from ideepcolor_app.hints.strokes import Stroke

    truth, _ = pan_clip(photo, frames=4, step=2)
    source = write_frames(tmp_path / "in", truth)
    size = (truth[0].shape[1], truth[0].shape[0])
    lasso = Region(((10.0, 10.0), (50.0, 10.0), (50.0, 50.0)), None)
    stroke = Stroke(((5.0, 5.0), (20.0, 30.0)), 3.0, (10.0, 20.0))
    clip_session = tmp_path / "clip.hints.json"
    Session(
        "in", "0" * 64, size, [], keyframes={0: [Hint(20.0, 20.0, (30.0, 30.0))]},
        keyframe_strokes={2: [stroke]}, keyframe_regions={0: [lasso]},
    ).save(clip_session)  # fmt: skip
    data = json.loads(clip_session.read_text())
    assert data["version"] == 4 and [k["frame"] for k in data["keyframes"]] == [0, 2]
    loaded = Session.load(clip_session)
    assert loaded.keyframe_strokes == {2: [stroke]} and loaded.keyframe_regions == {0: [lasso]}
    seen = {}

    def spy(engine, plan, given_keyframes, *args, **kwargs):
        seen["keyframes"] = {k.frame: (k.hints, k.strokes, k.regions) for k in given_keyframes}
        return 0

    monkeypatch.setattr(video_command, "render", spy)
    out = ["-o", str(tmp_path / "out"), "--weights", str(BUNDLED)]
    assert main(["video", str(source), *out, "--hints", str(clip_session)]) == 0
    assert seen["keyframes"] == {0: ((Hint(20.0, 20.0, (30.0, 30.0)),), (), (lasso,)), 2: ((), (stroke,), ())}
    one_frame = tmp_path / "frame.hints.json"
    Session("f001.png", "0" * 64, size, [], strokes=[stroke], regions=[lasso]).save(one_frame)
    assert main(["video", str(source), *out, "--hints", str(one_frame), "--keyframe", "1"]) == 0
    assert seen["keyframes"] == {1: ((), (stroke,), (lasso,))}


def test_a_frame_showing_carried_strokes_and_lassos_becomes_a_keyframe_with_them_once_edited(tmp_path):
    from ideepcolor_app.hints.regions import Region
    from ideepcolor_app.video.clip_hints import ClipHints
    from ideepcolor_app.video.clips import ClipInfo

    lasso = Region(((5.0, 5.0), (30.0, 5.0), (30.0, 30.0)), (40.0, 0.0))
    clip = ClipHints(ClipInfo(tmp_path / "c.mp4", (64, 48), Fraction(24), 30, False), {}, shapes={0: ((), (lasso,))})
    clip.mark_saved()
    moved = Region(((3.0, 5.0), (28.0, 5.0), (28.0, 30.0)), (40.0, 0.0))
    clip.current, clip.carried_shapes[5] = 5, ((), (moved,))
    assert clip.shown_shapes(5) == ((), (moved,)) and not clip.modified((), ((), (moved,)))
    clip.store(5, (), ((), (moved,)))
    assert list(clip.shapes) == [0], "carried and left as it was: no keyframe"
    hint = Hint(10.0, 10.0, (20.0, 20.0))
    assert clip.modified((hint,), ((), (moved,)))
    clip.store(5, (hint,), ((), (moved,)))
    assert clip.keyframes == {5: (hint,)} and clip.shapes[5] == ((), (moved,)), "the keyframe keeps what it shows"
    (tmp_path / "c.mp4").write_bytes(b"a clip")  # the session names the clip by its checksum
    session = clip.to_session(None)
    assert session.keyframe_frames == [0, 5] and session.keyframe_regions == {0: [lasso], 5: [moved]}


def test_colour_distribution_consistency_is_zero_for_a_still_and_grows_with_flicker():
    from ideepcolor_app.video.consistency import colour_distribution_consistency

    still = [colour_photo(3, (64, 48))] * 6
    assert colour_distribution_consistency(still) == 0.0

    def drifting(step):
        return [np.clip(frame.astype(int) + step * i, 0, 255).astype(np.uint8) for i, frame in enumerate(still)]

    slow, fast = colour_distribution_consistency(drifting(1)), colour_distribution_consistency(drifting(4))
    assert 0 < slow < fast, "colours that change faster score higher"
    flicker = [np.clip(frame.astype(int) + 30 * (i % 2), 0, 255).astype(np.uint8) for i, frame in enumerate(still)]
    assert colour_distribution_consistency(flicker) > slow, "and colours that jump back and forth too"
    assert np.isnan(colour_distribution_consistency(still[:1]))
