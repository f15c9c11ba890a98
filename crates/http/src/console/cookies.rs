//! Cookies of the web surfaces, read from the `Cookie` header and written as `Set-Cookie`
//! strings. Every cookie is `HttpOnly; SameSite=Lax; Path=/`, plus `Secure` when the platform is
//! served over https; none of them is ever read by scripts.

use axum::http::{header, HeaderMap, HeaderValue};

/// The developer console's session cookie.
pub const CONSOLE_SESSION: &str = "mp_console";
/// The web host's end-user session cookie.
pub const HOST_SESSION: &str = "mp_host";
/// The double-submit token of anonymous forms (sign-up, sign-in, password reset).
pub const ANONYMOUS_CSRF: &str = "mp_csrf";
/// Where to return after signing in (a console path), so tokens never travel in a query string.
pub const RETURN_TO: &str = "mp_return";

/// The value of cookie `name`, looking through every `Cookie` header of the request.
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"'))
        .filter(|value| !value.is_empty())
}

/// A `Set-Cookie` value. `max_age` of `None` makes a browser-session cookie. The value must be
/// cookie-safe (the platform only stores hex tokens and checked paths).
pub fn set(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
    let mut text = format!("{name}={value}; HttpOnly; SameSite=Lax; Path=/");
    if let Some(seconds) = max_age {
        text.push_str(&format!("; Max-Age={seconds}"));
    }
    if secure {
        text.push_str("; Secure");
    }
    HeaderValue::from_str(&text).unwrap_or_else(|_| clear(name, secure))
}

/// A `Set-Cookie` value that makes the browser forget cookie `name`.
pub fn clear(name: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0{secure}"))
        .expect("cookie names are header-safe")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_cookie_among_many_headers() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("a=1; mp_console=abc"));
        headers.append(header::COOKIE, HeaderValue::from_static("mp_csrf=\"def\""));
        assert_eq!(get(&headers, "mp_console"), Some("abc"));
        assert_eq!(get(&headers, "mp_csrf"), Some("def"));
        assert_eq!(get(&headers, "mp_host"), None);
        assert_eq!(get(&headers, "a"), Some("1"));
    }

    #[test]
    fn empty_values_count_as_absent() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("mp_console="));
        assert_eq!(get(&headers, "mp_console"), None);
    }

    #[test]
    fn set_cookie_carries_the_protective_attributes() {
        let value = set("mp_console", "abc", Some(60), true);
        assert_eq!(value, "mp_console=abc; HttpOnly; SameSite=Lax; Path=/; Max-Age=60; Secure");
        assert_eq!(clear("mp_csrf", false), "mp_csrf=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0");
    }
}
