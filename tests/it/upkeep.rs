//! Keeping the registry true, through the command core on both backends: verification,
//! edits and their permissions, history, owners who left, the digest.

use std::sync::Mutex;

use async_trait::async_trait;
use backline::{
    commands::{Caller, Command, Core, PersonEdit, upkeep::MemberDirectory},
    domain::{ChangeSource, GuildId, GuildSettings, Rights, VendorSlug, plans_file},
    store,
};
use chrono::Duration;

use crate::{
    helpers::{
        self, CallerExt, RecordingPoster, TestApp, TestDb, example_plans, parse, spawn_app, user_error,
    },
    on_both_backends,
    surfaces::{md, md_of},
};

const TOM: u64 = 402_811_948_512_772_105; // GitHub owner, stale contacts
const MAYA: u64 = 402_811_948_512_772_104; // PagerDuty owner (no backup), Stripe backup
const NOTICES: u64 = 888;
const MANAGER_ROLE: u64 = 4242;

/// The example registry with a notice channel and a manager role.
async fn setup(db: &TestDb) -> TestApp {
    let app = spawn_app(db).await;
    let settings = GuildSettings {
        notice_channel: Some(NOTICES),
        manager_role: Some(MANAGER_ROLE),
        ..GuildSettings::default()
    };
    db.store
        .set_guild_settings(GuildId::LOCAL, &settings)
        .await
        .unwrap();
    app
}

fn member(user: u64, rights: Rights) -> Caller {
    helpers::caller().user(user).rights(rights)
}

fn slug(s: &str) -> VendorSlug {
    VendorSlug::parse(s).unwrap()
}

fn set_owner(vendor: &str, user: u64) -> Command {
    Command::VendorSetOwner {
        vendor: vendor.into(),
        person: PersonEdit {
            user,
            name: "Lee Park".into(),
            team: Some("SRE".into()),
            email: None,
        },
    }
}

async fn warnings(core: &Core, vendor: &str) -> String {
    let card = core
        .execute(
            &Command::Support {
                vendor: vendor.into(),
            },
            &member(1, Rights::Member),
        )
        .await
        .unwrap();
    card.field_value("Warnings").map(md).unwrap_or_default()
}

on_both_backends! {
    async fn a_non_manager_edit_is_refused_and_changes_nothing(db) {
        let TestApp { core, .. } = setup(&db).await;
        let before = db.store.vendor(GuildId::LOCAL, &slug("github")).await.unwrap();
        let message = user_error(core.execute(&set_owner("github", 77), &member(55, Rights::Member)).await);
        assert!(message.contains("Only members with the Manage Server permission or the <@&4242> role"), "{message}");
        let note = Command::VendorNote { vendor: "github".into(), text: "hi".into() };
        assert!(user_error(core.execute(&note, &member(55, Rights::Member)).await).contains("Nothing was changed"));
        assert_eq!(db.store.vendor(GuildId::LOCAL, &slug("github")).await.unwrap(), before);
        assert!(db.store.history(GuildId::LOCAL, Some(&slug("github")), 10).await.unwrap().iter().all(|h| h.source == ChangeSource::Import));
    }
}

on_both_backends! {
    async fn a_managers_edit_is_applied_and_recorded_with_before_and_after(db) {
        let TestApp { core, .. } = setup(&db).await;
        let reply = core.execute(&set_owner("github", 77), &member(55, Rights::Manager)).await.unwrap();
        let text = md_of(&reply.content);
        assert!(text.contains("<@77> is now GitHub's owner") && text.contains("make the same change in the plans file"), "{text}");
        let github = db.store.vendor(GuildId::LOCAL, &slug("github")).await.unwrap().unwrap();
        assert_eq!(github.owner.name, "Lee Park");
        assert_eq!(github.owner.discord_id.unwrap().get(), 77);
        let history = db.store.history(GuildId::LOCAL, Some(&slug("github")), 10).await.unwrap();
        assert_eq!(history[0].action, "set-owner");
        assert_eq!(history[0].actor(), Some(55));
        assert!(history[0].detail.contains("owner.name: Tom Becker → Lee Park"), "{}", history[0].detail);
        // Any manager, however Discord made them one (the adapter decides: see dispatch's tests).
        let note = Command::VendorNote { vendor: "github".into(), text: "Renewal talks in Q1".into() };
        core.execute(&note, &member(56, Rights::Manager)).await.unwrap();
        let exported = plans_file::to_toml(&db.store.vendors(GuildId::LOCAL).await.unwrap()).unwrap();
        assert!(exported.contains("notes = \"Renewal talks in Q1\"") && exported.contains("name = \"Lee Park\""));
        let shown = core.execute(&Command::VendorHistory { vendor: "github".into() }, &member(1, Rights::Member)).await.unwrap();
        assert!(md_of(&shown.description).contains("**note** by <@56>"));
    }
}

on_both_backends! {
    async fn verification_by_the_owner_clears_staleness_and_is_recorded(db) {
        let TestApp { core, .. } = setup(&db).await;
        assert!(warnings(&core, "github").await.contains("contacts not verified within 90d"));
        let refused = user_error(core.execute(&Command::VendorVerify { vendor: "github".into() }, &member(99, Rights::Member)).await);
        assert!(refused.contains("Only GitHub's owner or backup (or a manager)"), "{refused}");
        let done = core.execute(&Command::VendorVerify { vendor: "github".into() }, &member(TOM, Rights::Member)).await.unwrap();
        assert!(md_of(&done.content).contains("contacts verified by <@402811948512772105> on 2026-11-25"));
        assert!(!warnings(&core, "github").await.contains("not verified"));
        // A later import of the old file does not undo the confirmation.
        db.store.import(GuildId::LOCAL, &parse(&example_plans()), false).await.unwrap();
        assert!(!warnings(&core, "github").await.contains("not verified"));
        let history = db.store.history(GuildId::LOCAL, Some(&slug("github")), 10).await.unwrap();
        assert_eq!((history[0].action.as_str(), history[0].actor()), ("verified", Some(TOM)));
    }
}

on_both_backends! {
    async fn imports_are_recorded_in_the_history_with_what_changed(db) {
        setup(&db).await;
        let changed = example_plans().replace("tier = \"Gold\"", "tier = \"Platinum\"");
        db.store.import(GuildId::LOCAL, &parse(&changed), false).await.unwrap();
        let history = db.store.history(GuildId::LOCAL, Some(&slug("elastic")), 10).await.unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0].action, "updated");
        assert_eq!(history[0].detail, "plan.tier: Gold → Platinum");
        assert_eq!(history[1].action, "added");
    }
}

on_both_backends! {
    async fn an_owner_who_left_is_flagged_noticed_once_and_cleared_on_return(db) {
        let TestApp { core, .. } = setup(&db).await;
        let poster = RecordingPoster::default();
        let vendors = core.member_left(GuildId::LOCAL, MAYA, &poster).await.unwrap();
        assert_eq!(vendors, [slug("pagerduty"), slug("stripe")]);
        assert!(warnings(&core, "pagerduty").await.contains("the owner Maya Okafor is no longer a member of this server"));
        assert!(warnings(&core, "stripe").await.contains("the backup Maya Okafor is no longer a member"));
        core.member_left(GuildId::LOCAL, MAYA, &poster).await.unwrap();
        let posts = poster.posts.lock().unwrap().clone();
        assert_eq!(posts.len(), 1, "one notice, even if the event comes twice");
        assert_eq!(posts[0].0, NOTICES);
        assert_eq!(posts[0].1.mentions, Default::default());
        assert!(md_of(&posts[0].1.content).contains("**PagerDuty** (pagerduty): was the owner"));
        let history = db.store.history(GuildId::LOCAL, Some(&slug("pagerduty")), 10).await.unwrap();
        assert_eq!(history[0].action, "owner-left");

        core.member_joined(GuildId::LOCAL, MAYA).await.unwrap();
        assert!(!warnings(&core, "pagerduty").await.contains("no longer a member"));
        assert!(core.member_left(GuildId::LOCAL, 12345, &poster).await.unwrap().is_empty(), "not an owner: nothing to do");
    }
}

/// Discord's answer to "is this user a member?", from a fixed list of who left.
struct Members(Mutex<Vec<u64>>);

#[async_trait]
impl MemberDirectory for Members {
    async fn is_member(&self, _guild: GuildId, user: u64) -> anyhow::Result<bool> {
        Ok(!self.0.lock().unwrap().contains(&user))
    }
}

on_both_backends! {
    async fn the_start_up_check_finds_owners_who_left_while_the_bot_was_down(db) {
        let TestApp { core, .. } = setup(&db).await;
        let found = core.check_owners(&Members(Mutex::new(vec![TOM])), &RecordingPoster::default()).await.unwrap();
        assert_eq!(found, 1);
        assert!(warnings(&core, "github").await.contains("the owner Tom Becker is no longer a member"));
    }
}

on_both_backends! {
    async fn the_digest_is_posted_once_per_period_and_pings_owners_of_stale_vendors(db) {
        let TestApp { core, clock } = setup(&db).await;
        let settings = GuildSettings { notice_channel: Some(NOTICES), dm_owners: true, ..GuildSettings::default() };
        db.store.set_guild_settings(GuildId::LOCAL, &settings).await.unwrap();
        let poster = RecordingPoster::default();
        assert_eq!(core.post_digests(&poster).await.unwrap(), 1);
        assert_eq!(core.post_digests(&poster).await.unwrap(), 0, "once per period");
        let digest = poster.posts.lock().unwrap()[0].1.clone();
        assert_eq!(digest.mentions.users, [TOM], "the owner of the stale vendor, nobody else");
        let stale = md(digest.field_value("Contacts to re-verify").unwrap());
        assert!(stale.contains("**GitHub** (github)"), "{stale}");
        let errors = md(digest.field_value("Errors").unwrap());
        assert!(errors.contains("**stripe**: critical vendor with no support plan"), "{errors}");
        let dms = poster.dms.lock().unwrap().clone();
        assert_eq!(dms.len(), 1);
        assert_eq!(dms[0].0, TOM);
        assert_eq!(dms[0].1.buttons[0].id.to_string(), "verify-yes:0:github");

        clock.advance(Duration::days(7));
        assert_eq!(core.post_digests(&poster).await.unwrap(), 1, "the next period gets its own digest");
    }
}

on_both_backends! {
    async fn the_owners_no_from_a_dm_is_recorded_and_yes_verifies(db) {
        let TestApp { core, .. } = setup(&db).await;
        let tom_in_dm = Caller { guild: Some(GuildId::LOCAL), channel: None, user: TOM, interaction: None, rights: Rights::Member };
        let no = Command::VerifyAnswer { vendor: "github".into(), still_correct: false };
        assert!(md_of(&core.execute(&no, &tom_in_dm).await.unwrap().content).contains("need updating"));
        assert_eq!(db.store.history(GuildId::LOCAL, Some(&slug("github")), 1).await.unwrap()[0].action, "needs-update");
        let yes = Command::VerifyAnswer { vendor: "github".into(), still_correct: true };
        core.execute(&yes, &tom_in_dm).await.unwrap();
        assert!(!warnings(&core, "github").await.contains("not verified"));
        let stranger = Caller { user: 5, ..tom_in_dm };
        assert!(user_error(core.execute(&yes, &stranger).await).contains("Only GitHub's owner"));
    }
}

#[tokio::test]
#[cfg_attr(no_test_postgres, ignore = "no PostgreSQL: set BACKLINE_TEST_POSTGRES_URL")]
async fn two_replicas_on_one_postgres_post_one_digest_and_one_owner_left_notice() {
    let db = crate::helpers::postgres().await;
    let TestApp { core, clock } = setup(&db).await;
    let replica = Core::new(store::connect(&db.url).await.unwrap(), clock.clone());
    let (a, b) = (RecordingPoster::default(), RecordingPoster::default());
    let (x, y) = tokio::join!(core.post_digests(&a), replica.post_digests(&b));
    assert_eq!(x.unwrap() + y.unwrap(), 1);
    let (x, y) = tokio::join!(
        core.member_left(GuildId::LOCAL, MAYA, &a),
        replica.member_left(GuildId::LOCAL, MAYA, &b)
    );
    x.unwrap();
    y.unwrap();
    let notices = a.posts.lock().unwrap().len() + b.posts.lock().unwrap().len();
    assert_eq!(notices, 2, "one digest and one owner-left notice in all");
}

on_both_backends! {
    async fn check_of_the_stored_registry_exits_one_on_errors(db) {
        setup(&db).await;
        let out = crate::helpers::backline(&db, &["check"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(crate::helpers::stdout(&out).contains("3 error(s), 6 warning(s) in 5 of 6 vendor(s)"), "{}", crate::helpers::stdout(&out));
        // The stored registry has no file to point at: GitHub shows the findings on the run.
        let out = crate::helpers::backline(&db, &["check", "--format", "github"]);
        assert_eq!(out.status.code(), Some(1));
        let text = crate::helpers::stdout(&out);
        assert!(text.lines().any(|l| l.starts_with("::error title=backline check%3A stripe::critical vendor with no support plan")), "{text}");
        assert_eq!(text.lines().filter(|l| l.starts_with("::error ")).count(), 3, "{text}");
        assert_eq!(text.lines().filter(|l| l.starts_with("::warning ")).count(), 6, "{text}");
        let history = crate::helpers::backline(&db, &["history", "--vendor", "aws"]);
        assert!(crate::helpers::stdout(&history).contains("aws added by import"));
    }
}

/// A registry of `n` vendors, each with its own owner (with a Discord ID) never verified:
/// every one of them is stale, so the digest pings all `n` owners.
fn stale_registry(n: u64) -> String {
    (0..n)
        .map(|i| {
            format!(
                "[[vendor]]\nslug = \"v{i}\"\nname = \"Vendor {i}\"\ncriticality = \"low\"\n\n\
                 [vendor.owner]\nname = \"Owner {i}\"\ndiscord_id = \"{}\"\n\n",
                450_000_000_000_000_000 + i
            )
        })
        .collect()
}

on_both_backends! {
    async fn a_digest_pinging_150_owners_whose_second_message_is_refused_records_exactly_those_owners(db) {
        db.store.import(GuildId::LOCAL, &parse(&stale_registry(150)), false).await.unwrap();
        let TestApp { core, .. } = helpers::spawn_empty_app(&db, helpers::NOW);
        let settings = GuildSettings { notice_channel: Some(NOTICES), ..GuildSettings::default() };
        db.store.set_guild_settings(GuildId::LOCAL, &settings).await.unwrap();
        let poster = RecordingPoster { refuse: Some(2), ..RecordingPoster::default() };
        assert_eq!(core.post_digests(&poster).await.unwrap(), 1, "the card went out");
        let digest = poster.posts.lock().unwrap()[0].1.clone();
        assert_eq!(digest.mentions.users.len(), 150);
        let messages = backline::discord::render::channel_messages(&digest);
        assert!(messages.len() >= 2, "150 mentions take more than one message");
        let refused: Vec<u64> = messages[1].1.users.clone();
        assert!(!refused.is_empty());

        let history = db.store.history(GuildId::LOCAL, None, i64::MAX).await.unwrap();
        let mut unpinged: Vec<u64> = history
            .iter()
            .filter(|e| e.action == "digest-not-delivered")
            .map(|e| {
                assert_eq!(e.source, ChangeSource::Backline);
                assert!(e.detail.ends_with(helpers::REFUSED), "{}", e.detail);
                let i: u64 = e.slug.as_str()[1..].parse().unwrap();
                let owner = 450_000_000_000_000_000 + i;
                assert!(e.detail.contains(&format!("Owner {i} (Discord {owner})")), "{}", e.detail);
                owner
            })
            .collect();
        unpinged.sort_unstable();
        let mut expected = refused.clone();
        expected.sort_unstable();
        assert_eq!(unpinged, expected, "exactly the owners of the refused message, nobody else");
    }
}
