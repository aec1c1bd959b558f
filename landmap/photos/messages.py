"""Why a photo upload was refused, in Chinese and English, from a code and a few numbers.

The child process reports a code only; the parent builds the words from this catalogue, never
from text the child wrote (as ``ingest.messages`` does for geodata).
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "empty": (
        "文件是空的（0 字节）。请重新选择照片。",
        "The file is empty (0 bytes). Please choose the photo again.",
    ),
    "too_large": (
        "文件有 {size_mb} MB，超过了照片上限 {limit_mb} MB。请先缩小照片（例如用手机“压缩”或"
        "另存为较小的 JPEG）再上传。",
        "The file is {size_mb} MB, over the photo limit of {limit_mb} MB. Please make the photo "
        "smaller first (for example save it as a smaller JPEG) and upload it again.",
    ),
    "not_image": (
        "这不是 JPEG 或 PNG 图片，不能作为照片上传。只接受 .jpg/.jpeg 和 .png 文件。",
        "This is not a JPEG or PNG picture and cannot be uploaded as a photo. Only .jpg/.jpeg "
        "and .png files are accepted.",
    ),
    "svg": (
        "SVG 矢量图可以含有脚本，出于安全原因不予接受。请导出为 PNG 或 JPEG 再上传。",
        "SVG drawings can carry scripts, so they are refused for safety. Please export the "
        "picture as PNG or JPEG and upload that.",
    ),
    "gif": (
        "不接受 GIF 动图。请上传 JPEG 或 PNG 照片。",
        "GIF pictures are not accepted. Please upload a JPEG or PNG photo.",
    ),
    "polyglot": (
        "图片之后或之中还夹带了其他内容（例如压缩包、网页代码或动态照片的视频），出于安全原因"
        "不予接受。请用看图软件把照片另存为普通 JPEG 或 PNG 后再上传。",
        "The picture carries something else after or inside it (for example a zip archive, web "
        "page code or the video of a motion photo), so it is refused for safety. Please save it "
        "again as a plain JPEG or PNG with a picture viewer and upload that.",
    ),
    "too_many_pixels": (
        "图片有 {width}×{height} 像素（{megapixels} 百万像素），超过上限 {limit_mp} 百万像素。"
        "请先缩小图片尺寸再上传。",
        "The picture has {width}×{height} pixels ({megapixels} megapixels), over the limit of "
        "{limit_mp} megapixels. Please make it smaller first.",
    ),
    "damaged": (
        "图片已损坏或不完整，无法读取。请重新导出或重新拍摄后再上传。",
        "The picture is damaged or incomplete and cannot be read. Please export or take it "
        "again and upload that.",
    ),
    "failed": (
        "处理这张图片时用尽了时间或内存，已停止。请先缩小图片再上传。",
        "Processing this picture ran out of time or memory and was stopped. Please make it "
        "smaller first.",
    ),
}


class PhotoRejected(Exception):
    """An upload refused; ``text(lang)`` says why. Nothing was stored."""

    def __init__(self, code: str, **values: object) -> None:
        if code not in MESSAGES:
            code, values = "failed", {}
        super().__init__(code)
        self.code = code
        self.values = values

    def text(self, lang: str) -> str:
        zh, en = MESSAGES[self.code]
        return (en if lang == "en" else zh).format(**self.values)


def format_mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"
