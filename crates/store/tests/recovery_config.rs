//! Recovery configuration on both databases: the seeded defaults, the taxonomy, response
//! templates, SLA policies, compensation guidelines, service guarantees and the authority
//! period — versioned, audited, and refusing what would break cases.

use rapport_domain::Timestamp;
use rapport_domain::case::{CaseInput, RecoveryKind};
use rapport_domain::compensation::{AuthorityPeriod, GuaranteeInput, GuidelineInput};
use rapport_domain::org::{EmployeeInput, UnitInput};
use rapport_domain::sla::SlaPolicyInput;
use rapport_domain::taxonomy::{
    CategoryInput, DEFAULT_CATEGORIES, DEFAULT_ROOT_CAUSES, RootCauseInput,
};
use rapport_domain::templates::{DEFAULT_TEMPLATES, TemplateInput, TemplatePart};
use rapport_store::testing::TestDb;
use rapport_store::*;
use serde_json::{Value, json};
use uuid::Uuid;

fn unit_input(ko: &str) -> rapport_domain::org::NewUnit {
    serde_json::from_value::<UnitInput>(json!({
        "name": {"ko": ko, "en": "Branch"},
        "time_zone": "Asia/Seoul",
        "calendar": {"weekly": {"mon": [["09:00", "18:00"]]}}
    }))
    .unwrap()
    .parse()
    .unwrap()
}

async fn unit(db: &TestDb, ko: &str) -> Uuid {
    db.store
        .create_unit(&Change::system(), &unit_input(ko))
        .await
        .unwrap()
        .id
}

fn category(
    code: &str,
    kind: &str,
    ko: &str,
    active: bool,
) -> rapport_domain::taxonomy::NewCategory {
    serde_json::from_value::<CategoryInput>(json!({
        "code": code, "kind": kind, "name": {"ko": ko, "en": "Parking"},
        "description": {"ko": "주차 공간이 부족했습니다.", "en": "No place to park."},
        "active": active
    }))
    .unwrap()
    .parse()
    .unwrap()
}

fn template(
    code: &str,
    locale: &str,
    part: &str,
    title: &str,
) -> rapport_domain::templates::NewTemplate {
    serde_json::from_value::<TemplateInput>(json!({
        "code": code, "locale": locale, "part": part, "title": title,
        "body": "{{customer_name}} 고객님, 불편을 드려 죄송합니다."
    }))
    .unwrap()
    .parse()
    .unwrap()
}

fn policy(body: Value) -> rapport_domain::sla::NewSlaPolicy {
    let mut base = json!({
        "name": "VIP 긴급", "position": 10, "basis": "calendar",
        "acknowledge_minutes": 15, "follow_up_after_days": 1, "warn_share": 0.5
    });
    base.as_object_mut()
        .unwrap()
        .extend(body.as_object().unwrap().clone());
    serde_json::from_value::<SlaPolicyInput>(base)
        .unwrap()
        .parse()
        .unwrap()
}

fn guideline(body: Value) -> rapport_domain::compensation::NewGuideline {
    let mut base = json!({
        "category": "process.long_wait", "severity": 2, "currency": "KRW",
        "min_minor": 5000, "max_minor": 20000, "note": "음료 쿠폰 또는 할인"
    });
    base.as_object_mut()
        .unwrap()
        .extend(body.as_object().unwrap().clone());
    serde_json::from_value::<GuidelineInput>(base)
        .unwrap()
        .parse()
        .unwrap()
}

fn guarantee(
    unit: Option<Uuid>,
    payout: Option<i64>,
) -> rapport_domain::compensation::NewGuarantee {
    serde_json::from_value::<GuaranteeInput>(json!({
        "name": {"ko": "30분 보장", "en": "30-minute promise"},
        "terms": {"ko": "30분 안에 음식이 나오지 않으면 환불해 드립니다.",
                  "en": "If your food is not served within 30 minutes, we refund it."},
        "payout_kind": "refund",
        "payout": payout.map(|p| json!({"amount_minor": p, "currency": "KRW"})),
        "unit_id": unit
    }))
    .unwrap()
    .parse()
    .unwrap()
}

async fn audit_actions(db: &TestDb, entity: &str) -> Vec<String> {
    let filter = AuditFilter {
        entity: Some(entity.into()),
        ..Default::default()
    };
    db.store
        .list_audit(&filter, &PageRequest::first(100))
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|a| a.action)
        .collect()
}

both_backends!(
    a_new_database_has_the_defaults_and_a_restart_adds_nothing,
    |db: TestDb| async move {
        let s = &db.store;
        let categories = s.list_categories().await.unwrap();
        let codes: Vec<&str> = categories.iter().map(|c| c.code.as_str()).collect();
        let defaults: Vec<&str> = DEFAULT_CATEGORIES.iter().map(|c| c.code).collect();
        assert_eq!(codes, defaults, "in their shipped order");
        assert!(categories.iter().all(|c| c.active && c.version == 1));
        assert_eq!(
            categories[0].description.as_ref().unwrap().ko,
            DEFAULT_CATEGORIES[0].description_ko
        );
        assert_eq!(
            s.list_root_causes().await.unwrap().len(),
            DEFAULT_ROOT_CAUSES.len()
        );
        let templates = s
            .list_templates(&TemplateFilter::default(), &PageRequest::first(1000))
            .await
            .unwrap();
        assert_eq!(templates.items.len(), DEFAULT_TEMPLATES.len());
        let policies = s.list_sla_policies(None).await.unwrap();
        assert_eq!(policies.len(), 1);
        let p = &policies[0];
        assert_eq!(p.name, "기본 / Default");
        assert_eq!(
            (
                p.acknowledge_minutes,
                p.first_response_minutes,
                p.resolve_minutes,
                p.follow_up_minutes
            ),
            (Some(60), Some(240), Some(1440), Some(2880))
        );
        assert_eq!(
            (p.follow_up_after_days, p.warn_share, p.unit_id),
            (3, 0.75, None)
        );
        assert!(p.severities.is_empty() && p.tiers.is_empty() && p.channels.is_empty());
        assert_eq!(
            s.authority_period().await.unwrap(),
            AuthorityPeriod::Month,
            "month when never set"
        );
        let seeded = audit_actions(&db, "recovery_defaults").await;

        // A restart runs the migrations and the seed again: nothing changes.
        s.migrate().await.unwrap();
        assert_eq!(s.list_categories().await.unwrap(), categories);
        assert_eq!(s.list_sla_policies(None).await.unwrap(), policies);
        assert_eq!(
            s.list_templates(&TemplateFilter::default(), &PageRequest::first(1000))
                .await
                .unwrap()
                .items,
            templates.items
        );
        assert_eq!(audit_actions(&db, "recovery_defaults").await, seeded);
        assert_eq!(seeded.len(), 1, "the first seed is audited once");
    }
);

both_backends!(
    a_restart_keeps_what_users_changed_and_deleted,
    |db: TestDb| async move {
        let s = &db.store;
        let c = Change::system();
        let first = &DEFAULT_CATEGORIES[0];
        let mut renamed = first.to_new();
        renamed.name.ko = "다른 이름".into();
        renamed.active = false;
        s.update_category(&c, first.code, 1, &renamed)
            .await
            .unwrap();
        let ko_apology = s
            .list_templates(
                &TemplateFilter {
                    code: Some("apology.general".into()),
                    locale: Some(rapport_domain::customer::Locale::Ko),
                    ..Default::default()
                },
                &PageRequest::first(10),
            )
            .await
            .unwrap()
            .items
            .remove(0);
        s.delete_template(&c, ko_apology.id, ko_apology.version)
            .await
            .unwrap();
        let default_policy = s.list_sla_policies(None).await.unwrap().remove(0);
        let mut other = policy(json!({}));
        other.name = "유일한 정책".into();
        s.create_sla_policy(&c, &other).await.unwrap();
        s.delete_sla_policy(&c, default_policy.id, default_policy.version)
            .await
            .unwrap();

        s.migrate().await.unwrap();

        let back = s.get_category(first.code).await.unwrap();
        assert_eq!((back.name.ko.as_str(), back.active), ("다른 이름", false));
        let all = s
            .list_templates(&TemplateFilter::default(), &PageRequest::first(1000))
            .await
            .unwrap();
        assert_eq!(all.items.len(), DEFAULT_TEMPLATES.len() - 1);
        assert!(all.items.iter().all(|t| t.id != ko_apology.id));
        let policies = s.list_sla_policies(None).await.unwrap();
        assert_eq!(policies.len(), 1, "no default beside the user's policy");
        assert_eq!(policies[0].name, "유일한 정책");
    }
);

both_backends!(
    categories_are_versioned_deactivated_not_deleted_and_audited,
    |db: TestDb| async move {
        let s = &db.store;
        let c = Change::system();
        let created = s
            .create_category(
                &c,
                &category("process.parking", "process", "주차 불편", true),
            )
            .await
            .unwrap();
        assert_eq!(created.version, 1);
        assert_eq!(
            created.position,
            DEFAULT_CATEGORIES.len() as i64 + 1,
            "after the defaults"
        );
        let err = s
            .create_category(&c, &category("process.parking", "process", "중복", true))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Duplicate { field: "code" }),
            "{err:?}"
        );

        let updated = s
            .update_category(
                &c,
                "process.parking",
                1,
                &category("process.parking", "process", "주차 문제", true),
            )
            .await
            .unwrap();
        assert_eq!(
            (updated.version, updated.name.ko.as_str()),
            (2, "주차 문제")
        );
        // A stale version changes nothing.
        let err = s
            .update_category(
                &c,
                "process.parking",
                1,
                &category("process.parking", "process", "덮어쓰기", false),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::VersionConflict { current: 2 }),
            "{err:?}"
        );
        assert_eq!(s.get_category("process.parking").await.unwrap(), updated);
        // The code is the key and stays.
        let err = s
            .update_category(
                &c,
                "process.parking",
                2,
                &category("process.car_park", "process", "주차", true),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Invalid(e) if e[0].field == "code"),
            "{err:?}"
        );
        let err = s
            .update_category(
                &c,
                "process.nowhere",
                1,
                &category("process.nowhere", "process", "없음", true),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound), "{err:?}");

        // Deactivated: still readable and listed, marked inactive.
        let retired = s
            .update_category(
                &c,
                "process.parking",
                2,
                &category("process.parking", "process", "주차 문제", false),
            )
            .await
            .unwrap();
        assert!(!retired.active);
        assert!(!s.get_category("process.parking").await.unwrap().active);
        assert!(
            s.list_categories()
                .await
                .unwrap()
                .iter()
                .any(|c| c.code == "process.parking" && !c.active)
        );
        assert_eq!(
            audit_actions(&db, "failure_category").await,
            [
                "failure_category.update",
                "failure_category.update",
                "failure_category.create"
            ]
        );
    }
);

both_backends!(
    root_causes_are_versioned_and_keep_their_code,
    |db: TestDb| async move {
        let s = &db.store;
        let c = Change::system();
        let input = |ko: &str, active: bool| {
            serde_json::from_value::<RootCauseInput>(json!({
                "code": "cause.night_shift", "name": {"ko": ko, "en": "Night shift"}, "active": active
            }))
            .unwrap()
            .parse()
            .unwrap()
        };
        let created = s
            .create_root_cause(&c, &input("야간 근무", true))
            .await
            .unwrap();
        assert_eq!(created.description, None);
        let err = s
            .create_root_cause(&c, &input("중복", true))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Duplicate { field: "code" }),
            "{err:?}"
        );
        s.update_root_cause(&c, "cause.night_shift", 1, &input("야간", false))
            .await
            .unwrap();
        let err = s
            .update_root_cause(&c, "cause.night_shift", 1, &input("덮어쓰기", true))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::VersionConflict { current: 2 }),
            "{err:?}"
        );
        let back = s.get_root_cause("cause.night_shift").await.unwrap();
        assert_eq!((back.name.ko.as_str(), back.active), ("야간", false));
        assert!(matches!(
            s.get_root_cause("cause.nothing").await.unwrap_err(),
            StoreError::NotFound
        ));
        assert_eq!(
            audit_actions(&db, "root_cause").await,
            ["root_cause.update", "root_cause.create"]
        );
    }
);

both_backends!(
    templates_are_filtered_paged_versioned_and_deleted,
    |db: TestDb| async move {
        let s = &db.store;
        let c = Change::system();
        let created = s
            .create_template(
                &c,
                &template("apology.parking", "ko", "apology", "주차 사과"),
            )
            .await
            .unwrap();
        assert_eq!(created.part, TemplatePart::Apology);
        // The same code in the other language is another template; in the same one it is taken.
        s.create_template(
            &c,
            &template("apology.parking", "en", "apology", "Parking apology"),
        )
        .await
        .unwrap();
        let err = s
            .create_template(&c, &template("apology.parking", "ko", "apology", "중복"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Duplicate { field: "code" }),
            "{err:?}"
        );

        let filter = TemplateFilter {
            locale: Some(rapport_domain::customer::Locale::Ko),
            part: Some(TemplatePart::Apology),
            code: None,
        };
        let mut seen = Vec::new();
        let mut page = PageRequest::first(2);
        loop {
            let p = s.list_templates(&filter, &page).await.unwrap();
            assert!(p.items.len() <= 2);
            seen.extend(p.items);
            match p.next_cursor {
                Some(c) => page.after = Some(Cursor::decode("cursor", &c).unwrap()),
                None => break,
            }
        }
        let expected = DEFAULT_TEMPLATES
            .iter()
            .filter(|t| {
                t.locale == rapport_domain::customer::Locale::Ko && t.part == TemplatePart::Apology
            })
            .count()
            + 1;
        assert_eq!(seen.len(), expected);
        assert!(
            seen.iter().all(|t| t.part == TemplatePart::Apology
                && t.locale == rapport_domain::customer::Locale::Ko)
        );

        let updated = s
            .update_template(
                &c,
                created.id,
                1,
                &template("apology.parking", "ko", "apology", "주차 관련 사과"),
            )
            .await
            .unwrap();
        assert_eq!(updated.version, 2);
        let err = s
            .update_template(
                &c,
                created.id,
                1,
                &template("apology.parking", "ko", "apology", "덮어쓰기"),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::VersionConflict { current: 2 }),
            "{err:?}"
        );
        let err = s
            .update_template(
                &c,
                created.id,
                2,
                &template("apology.general", "ko", "apology", "충돌"),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Duplicate { field: "code" }),
            "{err:?}"
        );
        assert_eq!(
            s.get_template(created.id).await.unwrap().title,
            "주차 관련 사과"
        );

        let err = s.delete_template(&c, created.id, 1).await.unwrap_err();
        assert!(
            matches!(err, StoreError::VersionConflict { current: 2 }),
            "{err:?}"
        );
        s.get_template(created.id).await.unwrap();
        s.delete_template(&c, created.id, 2).await.unwrap();
        assert!(matches!(
            s.get_template(created.id).await.unwrap_err(),
            StoreError::NotFound
        ));
        assert_eq!(
            audit_actions(&db, "response_template").await[0],
            "response_template.delete"
        );
    }
);

both_backends!(
    sla_policies_match_in_order_and_one_in_use_is_deactivated_not_deleted,
    |db: TestDb| async move {
        let s = &db.store;
        let c = Change::system();
        let gangnam = unit(&db, "강남점").await;
        let busan = unit(&db, "부산점").await;
        let err = s
            .create_sla_policy(&c, &policy(json!({"unit_id": Uuid::now_v7()})))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Invalid(e) if e[0].field == "unit_id"),
            "{err:?}"
        );
        let vip = s
            .create_sla_policy(
                &c,
                &policy(json!({"severities": [2, 1, 2], "tiers": ["vip"], "channels": ["phone"]})),
            )
            .await
            .unwrap();
        assert_eq!(vip.severities, [1, 2], "sorted, without repeats");
        let local = s
            .create_sla_policy(
                &c,
                &policy(json!({"name": "부산 전용", "position": 5, "unit_id": busan})),
            )
            .await
            .unwrap();
        let order: Vec<Uuid> = s
            .list_sla_policies(None)
            .await
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(order[..2], [local.id, vip.id], "by position");
        assert_eq!(order.len(), 3);
        let for_gangnam = s.list_sla_policies(Some(gangnam)).await.unwrap();
        assert!(
            for_gangnam.iter().all(|p| p.id != local.id),
            "another unit's policy does not apply"
        );
        assert_eq!(for_gangnam.len(), 2);

        let err = s
            .update_sla_policy(&c, vip.id, 2, &policy(json!({"name": "x"})))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::VersionConflict { current: 1 }),
            "{err:?}"
        );
        assert_eq!(s.get_sla_policy(vip.id).await.unwrap(), vip);

        // A case filed under the policy keeps it from being deleted; deactivating works.
        let case = s
            .create_case(
                &c,
                None,
                &serde_json::from_value::<CaseInput>(json!({
                    "source": "complaint", "channel": "phone", "unit_id": busan,
                    "category": "process.long_wait", "severity": 2, "description": "대기 40분"
                }))
                .unwrap()
                .parse(Timestamp::now())
                .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(case.policy_id, Some(local.id));
        let err = s.delete_sla_policy(&c, local.id, 1).await.unwrap_err();
        assert!(matches!(err, StoreError::InUse(_)), "{err:?}");
        s.get_sla_policy(local.id).await.unwrap();
        let off = s
            .update_sla_policy(
                &c,
                local.id,
                1,
                &policy(
                    json!({"name": "부산 전용", "position": 5, "unit_id": busan, "active": false}),
                ),
            )
            .await
            .unwrap();
        assert!(!off.active && off.version == 2);

        let err = s.delete_sla_policy(&c, vip.id, 7).await.unwrap_err();
        assert!(
            matches!(err, StoreError::VersionConflict { current: 1 }),
            "{err:?}"
        );
        s.delete_sla_policy(&c, vip.id, 1).await.unwrap();
        assert!(matches!(
            s.get_sla_policy(vip.id).await.unwrap_err(),
            StoreError::NotFound
        ));
        assert_eq!(
            audit_actions(&db, "sla_policy").await,
            [
                "sla_policy.delete",
                "sla_policy.update",
                "sla_policy.create",
                "sla_policy.create",
                "sla_policy.seed"
            ]
        );
    }
);

both_backends!(
    guidelines_need_a_known_category_and_one_range_per_combination,
    |db: TestDb| async move {
        let s = &db.store;
        let c = Change::system();
        let err = s
            .create_guideline(
                &c,
                &guideline(json!({"category": "process.teleport_delay"})),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Invalid(e) if e[0].field == "category"),
            "{err:?}"
        );
        let any = s.create_guideline(&c, &guideline(json!({}))).await.unwrap();
        assert_eq!((any.tier.as_str(), any.severity), ("*", 2));
        let vip = s
            .create_guideline(&c, &guideline(json!({"tier": "vip", "max_minor": 50000})))
            .await
            .unwrap();
        let err = s
            .create_guideline(&c, &guideline(json!({})))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Duplicate { .. }), "{err:?}");
        s.create_guideline(&c, &guideline(json!({"category": "outcome.wrong_item"})))
            .await
            .unwrap();

        let filter = GuidelineFilter {
            category: Some("process.long_wait".into()),
        };
        let listed = s
            .list_guidelines(&filter, &PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(
            listed.items.iter().map(|g| g.id).collect::<Vec<_>>(),
            [any.id, vip.id]
        );

        let err = s
            .update_guideline(&c, vip.id, 1, &guideline(json!({})))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Duplicate { .. }), "{err:?}");
        let raised = s
            .update_guideline(
                &c,
                vip.id,
                1,
                &guideline(json!({"tier": "vip", "max_minor": 80000})),
            )
            .await
            .unwrap();
        assert_eq!((raised.version, raised.max_minor), (2, 80000));
        let err = s
            .update_guideline(
                &c,
                vip.id,
                1,
                &guideline(json!({"tier": "vip", "min_minor": 0, "max_minor": 1})),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::VersionConflict { current: 2 }),
            "{err:?}"
        );
        assert_eq!(s.get_guideline(vip.id).await.unwrap().max_minor, 80000);
        let err = s.delete_guideline(&c, vip.id, 1).await.unwrap_err();
        assert!(
            matches!(err, StoreError::VersionConflict { current: 2 }),
            "{err:?}"
        );
        s.delete_guideline(&c, vip.id, 2).await.unwrap();
        assert!(matches!(
            s.get_guideline(vip.id).await.unwrap_err(),
            StoreError::NotFound
        ));
        assert_eq!(audit_actions(&db, "compensation_guideline").await.len(), 5);
    }
);

both_backends!(
    guarantees_are_offered_by_their_unit_and_kept_once_invoked,
    |db: TestDb| async move {
        let s = &db.store;
        let c = Change::system();
        let gangnam = unit(&db, "강남점").await;
        let busan = unit(&db, "부산점").await;
        let everywhere = s
            .create_guarantee(&c, &guarantee(None, None))
            .await
            .unwrap();
        assert_eq!(
            everywhere.payout, None,
            "the amount is entered when invoked"
        );
        let local = s
            .create_guarantee(&c, &guarantee(Some(gangnam), Some(15000)))
            .await
            .unwrap();
        assert_eq!(local.payout.as_ref().unwrap().amount_minor, 15000);
        let err = s
            .create_guarantee(&c, &guarantee(Some(Uuid::now_v7()), None))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Invalid(e) if e[0].field == "unit_id"),
            "{err:?}"
        );

        let in_busan = s
            .list_guarantees(
                &GuaranteeFilter {
                    unit: Some(busan),
                    active: None,
                },
                &PageRequest::first(10),
            )
            .await
            .unwrap();
        assert_eq!(
            in_busan.items.iter().map(|g| g.id).collect::<Vec<_>>(),
            [everywhere.id]
        );
        let all = s
            .list_guarantees(&GuaranteeFilter::default(), &PageRequest::first(1))
            .await
            .unwrap();
        assert_eq!(all.items.len(), 1);
        assert!(all.next_cursor.is_some());

        let err = s
            .update_guarantee(&c, local.id, 3, &guarantee(Some(gangnam), Some(1)))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::VersionConflict { current: 1 }),
            "{err:?}"
        );
        assert_eq!(s.get_guarantee(local.id).await.unwrap(), local);

        // Invoked from a case: the guarantee stays, and can be switched off.
        let agent = s
            .create_employee(
                &c,
                &serde_json::from_value::<EmployeeInput>(json!({
                    "name": "김하늘", "email": "agent@x.kr", "role": "agent", "unit_id": gangnam,
                    "authority_limit": {"amount_minor": 50000, "currency": "KRW"}
                }))
                .unwrap()
                .parse()
                .unwrap(),
                None,
            )
            .await
            .unwrap()
            .actor();
        let case = s
            .create_case(
                &c,
                None,
                &serde_json::from_value::<CaseInput>(json!({
                    "source": "complaint", "channel": "in_person", "unit_id": gangnam,
                    "category": "process.long_wait", "severity": 3, "description": "45분 대기"
                }))
                .unwrap()
                .parse(Timestamp::now())
                .unwrap(),
            )
            .await
            .unwrap();
        s.act_on_case(
            &c,
            None,
            case.id,
            None,
            &CaseCommand::Acknowledge { note: None },
        )
        .await
        .unwrap();
        s.request_recovery_action(
            &Change::by(agent.employee_id),
            &agent,
            case.id,
            &NewRecoveryAction {
                kind: RecoveryKind::Refund,
                amount: None,
                note: "보장 적용".into(),
                guarantee_id: Some(local.id),
            },
        )
        .await
        .unwrap();
        let err = s.delete_guarantee(&c, local.id, 1).await.unwrap_err();
        assert!(matches!(err, StoreError::InUse(_)), "{err:?}");
        let mut off = guarantee(Some(gangnam), Some(15000));
        off.active = false;
        assert!(
            !s.update_guarantee(&c, local.id, 1, &off)
                .await
                .unwrap()
                .active
        );

        s.delete_guarantee(&c, everywhere.id, 1).await.unwrap();
        assert!(matches!(
            s.get_guarantee(everywhere.id).await.unwrap_err(),
            StoreError::NotFound
        ));
        assert_eq!(
            audit_actions(&db, "service_guarantee").await,
            [
                "guarantee.delete",
                "guarantee.update",
                "guarantee.create",
                "guarantee.create"
            ]
        );
    }
);

both_backends!(
    the_authority_period_is_a_setting_with_a_default,
    |db: TestDb| async move {
        let s = &db.store;
        assert_eq!(s.authority_period().await.unwrap(), AuthorityPeriod::Month);
        s.set_authority_period(&Change::system(), AuthorityPeriod::Week)
            .await
            .unwrap();
        assert_eq!(s.authority_period().await.unwrap(), AuthorityPeriod::Week);
        s.set_authority_period(&Change::system(), AuthorityPeriod::PerAction)
            .await
            .unwrap();
        assert_eq!(
            s.authority_period().await.unwrap(),
            AuthorityPeriod::PerAction
        );
        assert_eq!(
            audit_actions(&db, "authority_period").await,
            ["settings.update", "settings.update"]
        );
    }
);
