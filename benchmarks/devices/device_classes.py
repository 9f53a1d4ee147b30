"""Device classes: which phones' results may be compared with each other, and with the paper's targets.

Usage::

    from mobrecon_bench.devices.device_classes import classify

    found = classify(result.device, platform="ios")   # DeviceClassMatch("apple-a14", rule=...)

A phone harness writes ``device.device_class = "unclassified"`` and its model identifier; the host
assigns the class here, so one table decides what an "A14 result" is. Apple devices are matched
by model identifier (``utsname.machine``, e.g. ``iPhone13,2``), Android devices by SoC
(``Build.SOC_MANUFACTURER`` / ``SOC_MODEL``, API 31+), then by board codename (``Build.BOARD``),
then by Pixel model name. A device no row knows gets a class of its own platform that no target
names (``apple-unclassified``, ``android-unclassified``, or ``<vendor>-<soc>``), so it is shown,
never judged.

Sources: Apple's model identifiers as Xcode reports them (listed per device on The iPhone Wiki,
"Models", theiphonewiki.com/wiki/Models, and in Apple's own device support pages by model
number); Qualcomm, MediaTek and Samsung part numbers as their product pages name them (SM8550 is
"Snapdragon 8 Gen 2", MT6985 "Dimensity 9200"); Qualcomm board codenames as Android's
``Build.BOARD`` reports them on those SoCs; Google's Pixel specification pages for the Tensor
generation of each Pixel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DeviceClassMatch", "APPLE_IDENTIFIERS", "ANDROID_SOCS", "QUALCOMM_BOARDS", "PIXEL_MODELS", "classify",
           "describe_class", "UNCLASSIFIED"]

UNCLASSIFIED = "unclassified"

_APPLE_SOURCE = "Apple model identifier (utsname.machine), The iPhone Wiki 'Models'"

#: Apple model identifier -> (device class, device name).
APPLE_IDENTIFIERS: dict[str, tuple[str, str]] = {
    # A12 Bionic
    "iPhone11,2": ("apple-a12", "iPhone XS"), "iPhone11,4": ("apple-a12", "iPhone XS Max"),
    "iPhone11,6": ("apple-a12", "iPhone XS Max"), "iPhone11,8": ("apple-a12", "iPhone XR"),
    # A13 Bionic
    "iPhone12,1": ("apple-a13", "iPhone 11"), "iPhone12,3": ("apple-a13", "iPhone 11 Pro"),
    "iPhone12,5": ("apple-a13", "iPhone 11 Pro Max"), "iPhone12,8": ("apple-a13", "iPhone SE (2nd generation)"),
    # A14 Bionic: the paper's device class
    "iPhone13,1": ("apple-a14", "iPhone 12 mini"), "iPhone13,2": ("apple-a14", "iPhone 12"),
    "iPhone13,3": ("apple-a14", "iPhone 12 Pro"), "iPhone13,4": ("apple-a14", "iPhone 12 Pro Max"),
    "iPad13,1": ("apple-a14", "iPad Air (4th generation) Wi-Fi"), "iPad13,2": ("apple-a14", "iPad Air (4th generation) cellular"),
    "iPad13,18": ("apple-a14", "iPad (10th generation) Wi-Fi"), "iPad13,19": ("apple-a14", "iPad (10th generation) cellular"),
    # A15 Bionic
    "iPhone14,2": ("apple-a15", "iPhone 13 Pro"), "iPhone14,3": ("apple-a15", "iPhone 13 Pro Max"),
    "iPhone14,4": ("apple-a15", "iPhone 13 mini"), "iPhone14,5": ("apple-a15", "iPhone 13"),
    "iPhone14,6": ("apple-a15", "iPhone SE (3rd generation)"), "iPhone14,7": ("apple-a15", "iPhone 14"),
    "iPhone14,8": ("apple-a15", "iPhone 14 Plus"),
    "iPad14,1": ("apple-a15", "iPad mini (6th generation) Wi-Fi"), "iPad14,2": ("apple-a15", "iPad mini (6th generation) cellular"),
    # A16 Bionic
    "iPhone15,2": ("apple-a16", "iPhone 14 Pro"), "iPhone15,3": ("apple-a16", "iPhone 14 Pro Max"),
    "iPhone15,4": ("apple-a16", "iPhone 15"), "iPhone15,5": ("apple-a16", "iPhone 15 Plus"),
    # A17 Pro
    "iPhone16,1": ("apple-a17-pro", "iPhone 15 Pro"), "iPhone16,2": ("apple-a17-pro", "iPhone 15 Pro Max"),
    # A18 Pro and A18
    "iPhone17,1": ("apple-a18-pro", "iPhone 16 Pro"), "iPhone17,2": ("apple-a18-pro", "iPhone 16 Pro Max"),
    "iPhone17,3": ("apple-a18", "iPhone 16"), "iPhone17,4": ("apple-a18", "iPhone 16 Plus"),
    "iPhone17,5": ("apple-a18", "iPhone 16e"),
    # M1 iPads and Macs (Core ML CPU-only runs on macOS too; `swift test` on a Mac reports hw.model)
    **{f"iPad13,{i}": ("apple-m1", "iPad Pro (2021)") for i in range(4, 12)},
    "iPad13,16": ("apple-m1", "iPad Air (5th generation) Wi-Fi"), "iPad13,17": ("apple-m1", "iPad Air (5th generation) cellular"),
    "MacBookAir10,1": ("apple-m1", "MacBook Air (M1, 2020)"), "MacBookPro17,1": ("apple-m1", "MacBook Pro 13-inch (M1, 2020)"),
    "Macmini9,1": ("apple-m1", "Mac mini (M1, 2020)"), "iMac21,1": ("apple-m1", "iMac 24-inch (M1, 2021)"),
    "iMac21,2": ("apple-m1", "iMac 24-inch (M1, 2021)"),
}  # fmt: skip

#: Identifiers the iOS simulator reports: it runs on the Mac's CPU and is never an iPhone result.
SIMULATOR_IDENTIFIERS = ("x86_64", "arm64", "i386")
#: What a harness's expected-outputs replay (its core run on a JVM or a Mac, no model) calls its device.
REPLAY_MODEL_NAMES = ("jvm-replay", "swift-replay")

_CLASS_DESCRIPTIONS = {
    "apple-a12": "Apple A12 Bionic", "apple-a13": "Apple A13 Bionic",
    "apple-a14": "Apple A14 Bionic (iPhone 12 family, iPad Air 4th gen, iPad 10th gen)",
    "apple-a15": "Apple A15 Bionic", "apple-a16": "Apple A16 Bionic", "apple-a17-pro": "Apple A17 Pro",
    "apple-a18": "Apple A18", "apple-a18-pro": "Apple A18 Pro", "apple-m1": "Apple M1",
    "apple-simulator": "iOS Simulator on a Mac (never comparable with a phone)",
    "harness-replay": "a harness core replaying the bundle's expected outputs (no model ran; tests the plumbing)",
    "apple-unclassified": "Apple device missing from the class table",
    "android-unclassified": "Android device without SoC facts the table knows",
}  # fmt: skip

#: Android SoC part number (Build.SOC_MODEL, upper-cased) -> (device class, marketing name).
ANDROID_SOCS: dict[str, tuple[str, str]] = {
    "SM8750": ("qualcomm-sm8750", "Snapdragon 8 Elite"), "SM8650": ("qualcomm-sm8650", "Snapdragon 8 Gen 3"),
    "SM8550": ("qualcomm-sm8550", "Snapdragon 8 Gen 2"), "SM8475": ("qualcomm-sm8475", "Snapdragon 8+ Gen 1"),
    "SM8450": ("qualcomm-sm8450", "Snapdragon 8 Gen 1"), "SM8350": ("qualcomm-sm8350", "Snapdragon 888"),
    "SM8250": ("qualcomm-sm8250", "Snapdragon 865"), "SM7675": ("qualcomm-sm7675", "Snapdragon 7+ Gen 3"),
    "SM7550": ("qualcomm-sm7550", "Snapdragon 7 Gen 3"), "SM6375": ("qualcomm-sm6375", "Snapdragon 695"),
    "MT6991": ("mediatek-mt6991", "Dimensity 9400"), "MT6989": ("mediatek-mt6989", "Dimensity 9300"),
    "MT6985": ("mediatek-mt6985", "Dimensity 9200"), "MT6983": ("mediatek-mt6983", "Dimensity 9000"),
    "S5E9945": ("samsung-s5e9945", "Exynos 2400"), "S5E9925": ("samsung-s5e9925", "Exynos 2200"),
}  # fmt: skip

#: Qualcomm board codename (Build.BOARD, lower-cased) -> SoC part number: the fallback below API 31.
QUALCOMM_BOARDS: dict[str, str] = {
    "sun": "SM8750", "pineapple": "SM8650", "kalama": "SM8550", "cape": "SM8475", "taro": "SM8450",
    "lahaina": "SM8350", "kona": "SM8250",
}  # fmt: skip

#: Pixel model name (Build.MODEL) -> (device class, Tensor generation): Pixels report no Qualcomm part.
PIXEL_MODELS: dict[str, tuple[str, str]] = {
    **{m: ("google-tensor-g1", "Google Tensor") for m in ("Pixel 6", "Pixel 6 Pro", "Pixel 6a")},
    **{m: ("google-tensor-g2", "Google Tensor G2") for m in ("Pixel 7", "Pixel 7 Pro", "Pixel 7a", "Pixel Fold", "Pixel Tablet")},
    **{m: ("google-tensor-g3", "Google Tensor G3") for m in ("Pixel 8", "Pixel 8 Pro", "Pixel 8a")},
    **{m: ("google-tensor-g4", "Google Tensor G4") for m in ("Pixel 9", "Pixel 9 Pro", "Pixel 9 Pro XL", "Pixel 9 Pro Fold", "Pixel 9a")},
}  # fmt: skip

_VENDOR_PREFIX = {"qti": "qualcomm", "qualcomm": "qualcomm", "mediatek": "mediatek", "samsung": "samsung", "google": "google"}


@dataclass(frozen=True)
class DeviceClassMatch:
    """A device's class and why.

    Attributes:
        device_class: e.g. "apple-a14", "qualcomm-sm8550", "apple-unclassified".
        description: human description of the class.
        rule: the table row that matched, with its source, for the result's ``ingest`` record.
    """

    device_class: str
    description: str
    rule: str


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unknown"


def describe_class(device_class: str) -> str:
    """Human description of a class key (the table's, or the key itself)."""
    if device_class in _CLASS_DESCRIPTIONS:
        return _CLASS_DESCRIPTIONS[device_class]
    for table in (ANDROID_SOCS, PIXEL_MODELS):
        for cls, name in table.values():
            if cls == device_class:
                return name
    return device_class


def _apple(identifier: str) -> DeviceClassMatch:
    if identifier in SIMULATOR_IDENTIFIERS:
        return DeviceClassMatch("apple-simulator", describe_class("apple-simulator"),
                                f"model identifier {identifier!r} is the simulator's CPU architecture")  # fmt: skip
    if identifier in APPLE_IDENTIFIERS:
        cls, name = APPLE_IDENTIFIERS[identifier]
        return DeviceClassMatch(cls, describe_class(cls), f"{identifier} = {name} ({_APPLE_SOURCE})")
    return DeviceClassMatch("apple-unclassified", describe_class("apple-unclassified"),
                            f"{identifier!r} is not in the Apple identifier table; add it with its chip to judge it")  # fmt: skip


def _android(device: object) -> DeviceClassMatch:
    soc = (getattr(device, "soc_model", None) or "").strip()
    vendor = (getattr(device, "soc_manufacturer", None) or "").strip()
    board = (getattr(device, "hardware", None) or "").strip().lower()
    model = (getattr(device, "model_name", None) or "").strip()
    if soc.upper() in ANDROID_SOCS:
        cls, name = ANDROID_SOCS[soc.upper()]
        return DeviceClassMatch(cls, name, f"Build.SOC_MODEL {soc} = {name} (vendor part number)")
    for part in board.replace("/", " ").split():
        if part in QUALCOMM_BOARDS:
            cls, name = ANDROID_SOCS[QUALCOMM_BOARDS[part]]
            return DeviceClassMatch(cls, name, f"Build.BOARD {part!r} = {QUALCOMM_BOARDS[part]} {name} (Qualcomm board codename)")
    if model in PIXEL_MODELS:
        cls, name = PIXEL_MODELS[model]
        return DeviceClassMatch(cls, name, f"Build.MODEL {model!r} has {name} (Google Pixel specifications)")
    if soc:
        prefix = _VENDOR_PREFIX.get(vendor.lower(), _slug(vendor) if vendor else "android")
        cls = f"{prefix}-{_slug(soc)}"
        return DeviceClassMatch(cls, f"{vendor} {soc}".strip(), f"Build.SOC_MANUFACTURER/SOC_MODEL {vendor}/{soc} (not in the table: a class of its own)")
    return DeviceClassMatch("android-unclassified", describe_class("android-unclassified"),
                            "no SoC model, known board or Pixel model reported")  # fmt: skip


def classify(device: object, platform: str) -> DeviceClassMatch:
    """The device class of a phone result's device.

    Args:
        device: a :class:`mobrecon_bench.results.schema.Device` (``model_name``, ``soc_model``, ...).
        platform: the harness's platform: "ios", "macos" or "android".

    Returns:
        The class, its description and the rule that matched.
    """
    model = str(getattr(device, "model_name", ""))
    if model in REPLAY_MODEL_NAMES:
        return DeviceClassMatch("harness-replay", describe_class("harness-replay"),
                                f"model name {model!r} is a harness replay, not a device")  # fmt: skip
    if platform in ("ios", "macos"):
        return _apple(model)
    return _android(device)
