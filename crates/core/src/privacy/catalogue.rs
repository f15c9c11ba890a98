//! The official `privacy_key`s (`wechat-api.md` §6.1) with the names users see: the Chinese
//! label WeChat's `privacy_desc` carries and an English one for the platform's pages.

/// `(privacy_key, Chinese label, English label)`.
pub const PRIVACY_KEYS: &[(&str, &str, &str)] = &[
    ("UserInfo", "用户信息（微信昵称、头像）", "nickname and avatar"),
    ("Location", "位置信息", "location"),
    ("ChooseLocation", "选中的位置信息", "a location the user picks"),
    ("Address", "地址", "postal address"),
    ("Invoice", "发票信息", "invoice details"),
    ("RunData", "微信运动步数", "step counts"),
    ("Record", "麦克风", "microphone"),
    ("Album", "选中的照片或视频信息", "photos or videos the user picks"),
    ("AlbumWriteOnly", "相册（仅写入）权限", "saving to the photo album"),
    ("Camera", "摄像头", "camera"),
    ("PhoneNumber", "手机号码", "phone number"),
    ("Contact", "通讯录（仅写入）权限", "adding phone contacts"),
    ("DeviceInfo", "设备信息", "device information"),
    ("EXIDNumber", "身份证号码", "identity card number"),
    ("EXOrderInfo", "订单信息", "order information"),
    ("EXUserPublishContent", "发布内容", "content the user publishes"),
    ("EXUserFollowAcct", "所关注账号", "accounts the user follows"),
    ("EXUserOpLog", "操作日志", "activity log"),
    ("LicensePlate", "车牌号", "licence plate number"),
    ("BlueTooth", "蓝牙", "Bluetooth"),
    ("CalendarWriteOnly", "日历（仅写入）权限", "adding calendar events"),
    ("Email", "邮箱", "email address"),
    ("MessageFile", "选中的文件", "files the user picks"),
    ("Clipboard", "剪切板", "clipboard"),
];

/// The Chinese label WeChat uses; custom keys are shown as they are.
pub fn label(privacy_key: &str) -> &str {
    PRIVACY_KEYS.iter().find(|(key, ..)| *key == privacy_key).map_or(privacy_key, |(_, label, _)| label)
}

/// The English name for the platform's pages; custom keys are shown as they are.
pub fn english_label(privacy_key: &str) -> &str {
    PRIVACY_KEYS.iter().find(|(key, ..)| *key == privacy_key).map_or(privacy_key, |(.., label)| label)
}
