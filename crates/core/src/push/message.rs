//! What a push looks like on the wire (spec §9.2–9.4): the event as XML (strings in CDATA) or
//! JSON with `ToUserName`, `FromUserName`, `CreateTime`, `MsgType` = `event`, `Event` and the
//! event's own fields in order; in safe mode only `ToUserName` and `Encrypt` travel, in
//! compatible mode the plain fields and `Encrypt` together. The query carries `signature`,
//! `timestamp` and `nonce`, and with encryption also `encrypt_type=aes` and `msg_signature`
//! (SDKs differ in which signature they check, so both are sent).

use miniplat_crypto::msg_crypt::{self, MsgKey, RANDOM_LEN};
use serde::{Deserialize, Serialize};

use super::{PushFormat, PushMode};
use crate::error::{Error, Result};

/// One field value of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    Int(i64),
    Text(String),
}

/// An event for the developer's server: its name and its own fields, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushEvent {
    pub event: String,
    pub fields: Vec<(String, FieldValue)>,
}

impl PushEvent {
    pub fn new(event: &str) -> Self {
        Self { event: event.to_owned(), fields: Vec::new() }
    }

    pub fn text(mut self, name: &str, value: impl Into<String>) -> Self {
        self.fields.push((name.to_owned(), FieldValue::Text(value.into())));
        self
    }

    pub fn int(mut self, name: &str, value: i64) -> Self {
        self.fields.push((name.to_owned(), FieldValue::Int(value)));
        self
    }

    /// Event and field names become XML element names, so they must be plain identifiers,
    /// and must not repeat the envelope's names.
    pub(crate) fn check(&self) -> Result<()> {
        if !is_element_name(&self.event) {
            return Err(Error::invalid("event", "must be letters, digits and underscores"));
        }
        for (name, _) in &self.fields {
            if !is_element_name(name) || ENVELOPE.contains(&name.as_str()) || name == "Encrypt" {
                return Err(Error::invalid("event", format!("field name {name:?} is not allowed")));
            }
        }
        Ok(())
    }
}

const ENVELOPE: [&str; 5] = ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Event"];

fn is_element_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 64
        && !name.to_ascii_lowercase().starts_with("xml")
}

/// A pushed event as queued: everything that makes its requests, fixed when it is queued so a
/// retry sends the very same body, timestamp and nonce and receivers can drop duplicates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuedPush {
    /// Stable id of the event, also sent as the `X-Miniplat-Event-Id` header.
    pub event_id: String,
    pub to: String,
    pub from: String,
    pub create_time: i64,
    pub nonce: String,
    /// The 16 random bytes WXBizMsgCrypt puts before the message.
    pub random: [u8; RANDOM_LEN],
    pub event: PushEvent,
}

/// The settings a push is rendered with.
pub struct Rendering<'a> {
    pub mode: PushMode,
    pub format: PushFormat,
    pub token: &'a str,
    pub key: &'a MsgKey,
    pub appid: &'a str,
}

/// A rendered push request.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedPush {
    pub query: Vec<(&'static str, String)>,
    pub content_type: &'static str,
    pub body: String,
}

impl QueuedPush {
    fn envelope(&self) -> Vec<(&str, FieldValue)> {
        let mut fields = vec![
            ("ToUserName", FieldValue::Text(self.to.clone())),
            ("FromUserName", FieldValue::Text(self.from.clone())),
            ("CreateTime", FieldValue::Int(self.create_time)),
            ("MsgType", FieldValue::Text("event".into())),
            ("Event", FieldValue::Text(self.event.event.clone())),
        ];
        fields.extend(self.event.fields.iter().map(|(name, value)| (name.as_str(), value.clone())));
        fields
    }

    /// The request for `rendering`.
    pub fn render(&self, rendering: &Rendering<'_>) -> RenderedPush {
        let timestamp = self.create_time.to_string();
        let mut query = vec![
            ("signature", msg_crypt::signature(rendering.token, &timestamp, &self.nonce)),
            ("timestamp", timestamp.clone()),
            ("nonce", self.nonce.clone()),
        ];
        let plain = self.envelope();
        let content_type = match rendering.format {
            PushFormat::Xml => "text/xml",
            PushFormat::Json => "application/json",
        };
        let body = match rendering.mode {
            PushMode::Plain => render(rendering.format, &plain),
            PushMode::Safe | PushMode::Compatible => {
                let message = render(rendering.format, &plain);
                let encrypt =
                    rendering.key.encrypt_with_random(&self.random, message.as_bytes(), rendering.appid);
                query.push(("encrypt_type", "aes".into()));
                query.push((
                    "msg_signature",
                    msg_crypt::msg_signature(rendering.token, &timestamp, &self.nonce, &encrypt),
                ));
                let mut fields = if rendering.mode == PushMode::Safe {
                    vec![("ToUserName", FieldValue::Text(self.to.clone()))]
                } else {
                    plain
                };
                fields.push(("Encrypt", FieldValue::Text(encrypt)));
                render(rendering.format, &fields)
            }
        };
        RenderedPush { query, content_type, body }
    }
}

fn render(format: PushFormat, fields: &[(&str, FieldValue)]) -> String {
    match format {
        PushFormat::Xml => {
            let mut xml = String::from("<xml>");
            for (name, value) in fields {
                match value {
                    FieldValue::Int(n) => xml.push_str(&format!("<{name}>{n}</{name}>")),
                    FieldValue::Text(text) => {
                        // A `]]>` inside the text would end the section: split it across two.
                        let text = text.replace("]]>", "]]]]><![CDATA[>");
                        xml.push_str(&format!("<{name}><![CDATA[{text}]]></{name}>"));
                    }
                }
            }
            xml.push_str("</xml>");
            xml
        }
        PushFormat::Json => {
            // Written by hand to keep the fields in order (WeChat's order).
            let members: Vec<String> = fields
                .iter()
                .map(|(name, value)| {
                    let value = match value {
                        FieldValue::Int(n) => n.to_string(),
                        FieldValue::Text(text) => serde_json::Value::from(text.as_str()).to_string(),
                    };
                    format!("{}:{value}", serde_json::Value::from(*name))
                })
                .collect();
            format!("{{{}}}", members.join(","))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const APPID: &str = "wxba5fad812f8e6fb9";

    /// The `debug_demo` push of WeChat's guide (spec §9.2).
    fn documented(create_time: i64, nonce: &str) -> QueuedPush {
        QueuedPush {
            event_id: "e1".into(),
            to: "gh_97417a04a28d".into(),
            from: "o9AgO5Kd5ggOC-bXrbNODIiE3bGY".into(),
            create_time,
            nonce: nonce.into(),
            random: *b"a8eedb185eb2fecf",
            event: PushEvent::new("debug_demo").text("debug_str", "hello world"),
        }
    }

    fn key() -> MsgKey {
        MsgKey::from_encoding_aes_key(&"A".repeat(43)).unwrap()
    }

    fn rendering(mode: PushMode, format: PushFormat, key: &MsgKey) -> Rendering<'_> {
        Rendering { mode, format, token: "AAAAA", key, appid: APPID }
    }

    #[test]
    fn plain_json_push_matches_the_guide() {
        let key = key();
        let push =
            documented(1714037059, "486452656").render(&rendering(PushMode::Plain, PushFormat::Json, &key));
        assert_eq!(push.content_type, "application/json");
        assert_eq!(
            push.query,
            [
                ("signature", "899cf89e464efb63f54ddac96b0a0a235f53aa78".to_string()),
                ("timestamp", "1714037059".into()),
                ("nonce", "486452656".into())
            ]
        );
        assert_eq!(
            push.body,
            r#"{"ToUserName":"gh_97417a04a28d","FromUserName":"o9AgO5Kd5ggOC-bXrbNODIiE3bGY","CreateTime":1714037059,"MsgType":"event","Event":"debug_demo","debug_str":"hello world"}"#
        );
    }

    #[test]
    fn safe_json_push_matches_the_guide_byte_for_byte() {
        let key = key();
        let push =
            documented(1714112445, "415670741").render(&rendering(PushMode::Safe, PushFormat::Json, &key));
        let encrypt = "+qdx1OKCy+5JPCBFWw70tm0fJGb2Jmeia4FCB7kao+/Q5c/ohsOzQHi8khUOb05JCpj0JB4RvQMkUyus8TPxLKJGQqcvZqzDpVzazhZv6JsXUnnR8XGT740XgXZUXQ7vJVnAG+tE8NUd4yFyjPy7GgiaviNrlCTj+l5kdfMuFUPpRSrfMZuMcp3Fn2Pede2IuQrKEYwKSqFIZoNqJ4M8EajAsjLY2km32IIjdf8YL/P50F7mStwntrA2cPDrM1kb6mOcfBgRtWygb3VIYnSeOBrebufAlr7F9mFUPAJGj04=";
        assert_eq!(push.body, format!(r#"{{"ToUserName":"gh_97417a04a28d","Encrypt":"{encrypt}"}}"#));
        assert_eq!(
            push.query,
            [
                ("signature", "6c5c811b55cc85e0e1b54100749188c20beb3f5d".to_string()),
                ("timestamp", "1714112445".into()),
                ("nonce", "415670741".into()),
                ("encrypt_type", "aes".into()),
                ("msg_signature", "046e02f8204d34f8ba5fa3b1db94908f3df2e9b3".into()),
            ]
        );
    }

    #[test]
    fn xml_uses_cdata_for_text_and_keeps_it_closed() {
        let key = key();
        let mut queued = documented(1714037059, "486452656");
        queued.event = PushEvent::new("weapp_audit_fail").int("FailTime", 7).text("Reason", "a]]>b<c");
        let push = queued.render(&rendering(PushMode::Plain, PushFormat::Xml, &key));
        assert_eq!(push.content_type, "text/xml");
        assert_eq!(
            push.body,
            "<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName><FromUserName><![CDATA[o9AgO5Kd5ggOC-bXrbNODIiE3bGY]]></FromUserName>\
             <CreateTime>1714037059</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[weapp_audit_fail]]></Event>\
             <FailTime>7</FailTime><Reason><![CDATA[a]]]]><![CDATA[>b<c]]></Reason></xml>"
        );
    }

    #[test]
    fn compatible_mode_sends_plain_fields_and_the_ciphertext() {
        let key = key();
        let queued = documented(1714112445, "415670741");
        let push = queued.render(&rendering(PushMode::Compatible, PushFormat::Xml, &key));
        let plain = queued.render(&rendering(PushMode::Plain, PushFormat::Xml, &key)).body;
        let encrypt = push.body.split("<Encrypt><![CDATA[").nth(1).unwrap().split("]]>").next().unwrap();
        assert!(push.body.starts_with(plain.trim_end_matches("</xml>")));
        assert_eq!(key.decrypt(encrypt, APPID).unwrap(), plain.as_bytes());
        assert_eq!(push.query[4].1, msg_crypt::msg_signature("AAAAA", "1714112445", "415670741", encrypt));
        // The same queued push renders the same request every time (retries are identical).
        assert_eq!(queued.render(&rendering(PushMode::Compatible, PushFormat::Xml, &key)), push);
    }

    #[test]
    fn names_must_be_plain_identifiers() {
        assert!(PushEvent::new("debug_demo").text("debug_str", "x").check().is_ok());
        assert!(PushEvent::new("bad name").check().is_err());
        assert!(PushEvent::new("e").text("a<b", "x").check().is_err());
        assert!(PushEvent::new("e").text("Event", "x").check().is_err());
        assert!(PushEvent::new("e").text("Encrypt", "x").check().is_err());
        assert!(PushEvent::new("e").text("xmlthing", "x").check().is_err());
    }
}
