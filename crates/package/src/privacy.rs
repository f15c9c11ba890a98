//! The privacy catalogue: which `wx.*` APIs, `wx.authorize` scopes and WXML components touch
//! personal data, under which category and WeChat `privacy_key` (spec §6.1, and the official
//! table "privacy interfaces and the information they handle"), plus the `requiredPrivateInfos`
//! values of spec §6.5.

use serde::{Deserialize, Serialize};

/// A kind of personal data or device capability a mini program can reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrivacyCategory {
    /// Nickname and avatar.
    UserInfo,
    /// Current or chosen location.
    Location,
    /// Postal address.
    Address,
    /// Phone number (via `<button open-type="getPhoneNumber">`).
    PhoneNumber,
    Camera,
    /// Photos and videos, read or written.
    Album,
    Microphone,
    Clipboard,
    /// Phone contacts, read or written.
    Contacts,
    Bluetooth,
    /// Invoice titles and invoices.
    Invoice,
    /// WeRun step counts.
    #[serde(rename = "werun")]
    WeRun,
    LicensePlate,
    /// Files chosen from chats.
    MessageFile,
    /// Calendar events (write only).
    Calendar,
}

use PrivacyCategory::*;

/// `requiredPrivateInfos` values `app.json` may declare (spec §6.5).
pub const REQUIRED_PRIVATE_INFOS: &[&str] = &[
    "getFuzzyLocation",
    "getLocation",
    "onLocationChange",
    "startLocationUpdate",
    "startLocationUpdateBackground",
    "chooseLocation",
    "choosePoi",
    "chooseAddress",
];

/// `wx.<name>` APIs that touch personal data: name, category, `privacy_key`.
const APIS: &[(&str, PrivacyCategory, &str)] = &[
    ("getLocation", Location, "Location"),
    ("getFuzzyLocation", Location, "Location"),
    ("startLocationUpdate", Location, "Location"),
    ("startLocationUpdateBackground", Location, "Location"),
    ("onLocationChange", Location, "Location"),
    ("chooseLocation", Location, "ChooseLocation"),
    ("choosePoi", Location, "ChooseLocation"),
    ("chooseAddress", Address, "Address"),
    ("chooseInvoiceTitle", Invoice, "Invoice"),
    ("chooseInvoice", Invoice, "Invoice"),
    ("getWeRunData", WeRun, "RunData"),
    ("chooseLicensePlate", LicensePlate, "LicensePlate"),
    ("chooseImage", Album, "Album"),
    ("chooseMedia", Album, "Album"),
    ("chooseVideo", Album, "Album"),
    ("saveImageToPhotosAlbum", Album, "AlbumWriteOnly"),
    ("saveVideoToPhotosAlbum", Album, "AlbumWriteOnly"),
    ("chooseMessageFile", MessageFile, "MessageFile"),
    ("startRecord", Microphone, "Record"),
    ("getRecorderManager", Microphone, "Record"),
    ("joinVoIPChat", Microphone, "Record"),
    ("createCameraContext", Camera, "Camera"),
    ("createVKSession", Camera, "Camera"),
    ("openBluetoothAdapter", Bluetooth, "BlueTooth"),
    ("createBLEPeripheralServer", Bluetooth, "BlueTooth"),
    ("startBluetoothDevicesDiscovery", Bluetooth, "BlueTooth"),
    ("getBluetoothDevices", Bluetooth, "BlueTooth"),
    ("getConnectedBluetoothDevices", Bluetooth, "BlueTooth"),
    ("createBLEConnection", Bluetooth, "BlueTooth"),
    ("addPhoneContact", Contacts, "Contact"),
    ("chooseContact", Contacts, "Contact"),
    ("addPhoneCalendar", Calendar, "CalendarWriteOnly"),
    ("addPhoneRepeatCalendar", Calendar, "CalendarWriteOnly"),
    ("getClipboardData", Clipboard, "Clipboard"),
    ("setClipboardData", Clipboard, "Clipboard"),
    ("getUserProfile", UserInfo, "UserInfo"),
    ("getUserInfo", UserInfo, "UserInfo"),
];

/// `wx.authorize({scope})` scopes that ask for a privacy permission up front.
const SCOPES: &[(&str, PrivacyCategory, &str)] = &[
    ("scope.userLocation", Location, "Location"),
    ("scope.userLocationBackground", Location, "Location"),
    ("scope.userFuzzyLocation", Location, "Location"),
    ("scope.address", Address, "Address"),
    ("scope.invoice", Invoice, "Invoice"),
    ("scope.invoiceTitle", Invoice, "Invoice"),
    ("scope.werun", WeRun, "RunData"),
    ("scope.record", Microphone, "Record"),
    ("scope.camera", Camera, "Camera"),
    ("scope.bluetooth", Bluetooth, "BlueTooth"),
    ("scope.writePhotosAlbum", Album, "AlbumWriteOnly"),
    ("scope.addPhoneContact", Contacts, "Contact"),
    ("scope.addPhoneCalendar", Calendar, "CalendarWriteOnly"),
    ("scope.userInfo", UserInfo, "UserInfo"),
];

/// WXML elements that open a device capability by being rendered.
const ELEMENTS: &[(&str, PrivacyCategory, &str)] = &[
    ("camera", Camera, "Camera"),
    ("live-pusher", Camera, "Camera"),
    ("live-pusher", Microphone, "Record"),
    ("voip-room", Camera, "Camera"),
    ("voip-room", Microphone, "Record"),
];

/// `<button open-type="…">` values that hand personal data to the mini program.
const OPEN_TYPES: &[(&str, PrivacyCategory, &str)] = &[
    ("getPhoneNumber", PhoneNumber, "PhoneNumber"),
    ("getRealtimePhoneNumber", PhoneNumber, "PhoneNumber"),
    ("chooseAvatar", UserInfo, "UserInfo"),
];

/// The category and `privacy_key` of `wx.<name>`, if it touches personal data.
pub(crate) fn api(name: &str) -> Option<(PrivacyCategory, &'static str)> {
    APIS.iter().find(|(n, ..)| *n == name).map(|&(_, c, k)| (c, k))
}

/// The category and `privacy_key` of a `wx.authorize` scope.
pub(crate) fn scope(name: &str) -> Option<(PrivacyCategory, &'static str)> {
    SCOPES.iter().find(|(n, ..)| *n == name).map(|&(_, c, k)| (c, k))
}

/// The `privacy_key` a `wx.authorize` scope needs declared; `None` for scopes outside the
/// catalogue.
pub fn scope_privacy_key(name: &str) -> Option<&'static str> {
    scope(name).map(|(_, key)| key)
}

/// The categories a WXML element opens.
pub(crate) fn element(tag: &str) -> impl Iterator<Item = (PrivacyCategory, &'static str)> + '_ {
    ELEMENTS.iter().filter(move |(t, ..)| *t == tag).map(|&(_, c, k)| (c, k))
}

/// The category of a `<button open-type>` value.
pub(crate) fn open_type(value: &str) -> Option<(PrivacyCategory, &'static str)> {
    OPEN_TYPES.iter().find(|(v, ..)| *v == value).map(|&(_, c, k)| (c, k))
}
