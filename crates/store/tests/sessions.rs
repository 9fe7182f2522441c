//! Web sessions, passwords and sign-in throttling on both databases.

use rapport_domain::Timestamp;
use rapport_domain::customer::Locale;
use rapport_domain::org::EmployeeInput;
use rapport_store::testing::TestDb;
use rapport_store::*;
use serde_json::json;

async fn employee(db: &TestDb, email: &str, active: bool) -> uuid::Uuid {
    let input: EmployeeInput = serde_json::from_value(json!({
        "name": "김상담", "email": email, "role": "admin", "active": active,
        "authority_limit": {"amount_minor": 50000, "currency": "KRW"}
    }))
    .unwrap();
    db.store
        .create_employee(
            &Change::system(),
            &input.parse().unwrap(),
            Some("$argon2id$old"),
        )
        .await
        .unwrap()
        .id
}

const THROTTLE: LoginThrottle = LoginThrottle {
    max_failures: 3,
    window_micros: 60_000_000,
    lock_micros: 120_000_000,
};

both_backends!(a_session_lives_until_it_expires_or_ends, |db| async move {
    let id = employee(&db, "Kim@Example.com", true).await;
    let now = Timestamp::now();
    let creds = db
        .store
        .credentials("kim@example.COM ")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(creds.employee.id, id);
    assert_eq!(creds.password_hash.as_deref(), Some("$argon2id$old"));
    assert!(
        db.store
            .credentials("nobody@example.com")
            .await
            .unwrap()
            .is_none()
    );

    let hash = [7u8; 32];
    db.store
        .create_session(&Change::by(id), &hash, id, "csrf-1", now.plus_seconds(60))
        .await
        .unwrap();
    let s = db.store.get_session(&hash, now).await.unwrap().unwrap();
    assert_eq!(s.employee.id, id);
    assert_eq!(s.csrf_token, "csrf-1");
    assert_eq!(s.locale, None);
    assert!(
        db.store
            .get_session(&[8u8; 32], now)
            .await
            .unwrap()
            .is_none()
    );
    // Past its expiry the session is gone; touching it brings it back within the window.
    assert!(
        db.store
            .get_session(&hash, now.plus_seconds(61))
            .await
            .unwrap()
            .is_none()
    );
    db.store
        .touch_session(&hash, now.plus_seconds(30), now.plus_seconds(120))
        .await
        .unwrap();
    assert!(
        db.store
            .get_session(&hash, now.plus_seconds(61))
            .await
            .unwrap()
            .is_some()
    );

    db.store.set_ui_locale(id, Locale::En).await.unwrap();
    assert_eq!(
        db.store
            .get_session(&hash, now)
            .await
            .unwrap()
            .unwrap()
            .locale,
        Some(Locale::En)
    );

    db.store
        .delete_session(&Change::by(id), &hash)
        .await
        .unwrap();
    assert!(db.store.get_session(&hash, now).await.unwrap().is_none());
    let audit = db
        .store
        .list_audit(
            &AuditFilter {
                entity_id: Some(id),
                ..Default::default()
            },
            &PageRequest::first(10),
        )
        .await
        .unwrap();
    let actions: Vec<_> = audit.items.iter().map(|a| a.action.as_str()).collect();
    assert!(
        actions.contains(&"sign_in") && actions.contains(&"sign_out"),
        "{actions:?}"
    );
});

both_backends!(a_new_password_ends_every_other_session, |db| async move {
    let id = employee(&db, "park@example.com", true).await;
    let now = Timestamp::now();
    for h in [[1u8; 32], [2u8; 32]] {
        db.store
            .create_session(&Change::by(id), &h, id, "c", now.plus_seconds(600))
            .await
            .unwrap();
    }
    db.store
        .set_password(&Change::by(id), id, "$argon2id$new", Some(&[1u8; 32]))
        .await
        .unwrap();
    assert!(
        db.store
            .get_session(&[1u8; 32], now)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        db.store
            .get_session(&[2u8; 32], now)
            .await
            .unwrap()
            .is_none()
    );
    let creds = db
        .store
        .credentials("park@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(creds.password_hash.as_deref(), Some("$argon2id$new"));
    assert_eq!(creds.employee.version, 2);
});

both_backends!(an_inactive_employee_has_no_session, |db| async move {
    let id = employee(&db, "gone@example.com", false).await;
    let now = Timestamp::now();
    db.store
        .create_session(&Change::by(id), &[3u8; 32], id, "c", now.plus_seconds(600))
        .await
        .unwrap();
    assert!(
        db.store
            .get_session(&[3u8; 32], now)
            .await
            .unwrap()
            .is_none()
    );
});

both_backends!(
    repeated_failures_lock_an_address_for_a_while,
    |db| async move {
        let db: TestDb = db;
        let now = Timestamp::now();
        let e = "Lee@Example.com";
        assert_eq!(db.store.login_locked_until(e, now).await.unwrap(), None);
        assert_eq!(
            db.store
                .record_login_failure(e, now, THROTTLE)
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            db.store
                .record_login_failure("lee@example.com", now.plus_seconds(1), THROTTLE)
                .await
                .unwrap(),
            None
        );
        let locked = db
            .store
            .record_login_failure(e, now.plus_seconds(2), THROTTLE)
            .await
            .unwrap()
            .expect("the third failure locks");
        assert_eq!(locked, now.plus_seconds(122));
        assert_eq!(
            db.store
                .login_locked_until(e, now.plus_seconds(60))
                .await
                .unwrap(),
            Some(locked)
        );
        assert_eq!(
            db.store
                .login_locked_until(e, now.plus_seconds(123))
                .await
                .unwrap(),
            None
        );
        // Failures spread wider than the window never add up to a lock.
        let f = "choi@example.com";
        for i in 0..5 {
            assert_eq!(
                db.store
                    .record_login_failure(f, now.plus_seconds(i * 61), THROTTLE)
                    .await
                    .unwrap(),
                None
            );
        }
        db.store.clear_login_failures(e).await.unwrap();
        assert_eq!(
            db.store
                .login_locked_until(e, now.plus_seconds(60))
                .await
                .unwrap(),
            None
        );
    }
);

both_backends!(purging_removes_only_expired_sessions, |db| async move {
    let id = employee(&db, "jung@example.com", true).await;
    let now = Timestamp::now();
    db.store
        .create_session(&Change::by(id), &[4u8; 32], id, "c", now.plus_seconds(-1))
        .await
        .unwrap();
    db.store
        .create_session(&Change::by(id), &[5u8; 32], id, "c", now.plus_seconds(600))
        .await
        .unwrap();
    assert_eq!(db.store.purge_sessions(now).await.unwrap(), 1);
    assert!(
        db.store
            .get_session(&[5u8; 32], now)
            .await
            .unwrap()
            .is_some()
    );
});
