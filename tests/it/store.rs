//! Both storage backends: import semantics, guild isolation, round trips.

use backline::domain::{GuildId, VendorSlug, plans_file};

use crate::{
    helpers::{example_plans, parse},
    on_both_backends,
};

const GUILD_A: GuildId = GuildId::LOCAL;

fn guild(id: u64) -> GuildId {
    GuildId::new(id).unwrap()
}

fn slugs(list: &[VendorSlug]) -> Vec<&str> {
    list.iter().map(|s| s.as_str()).collect()
}

on_both_backends! {
    async fn importing_the_same_file_twice_changes_nothing_the_second_time(db) {
        let vendors = parse(&example_plans());
        let first = db.store.import(GUILD_A, &vendors, false).await.unwrap();
        assert_eq!(first.added.len(), vendors.len());
        let second = db.store.import(GUILD_A, &vendors, false).await.unwrap();
        assert_eq!(second.unchanged.len(), vendors.len());
        assert!(second.added.is_empty() && second.updated.is_empty() && second.removed.is_empty());
        assert_eq!(db.store.vendors(GUILD_A).await.unwrap(), vendors);
    }
}

on_both_backends! {
    async fn a_changed_vendor_is_updated_and_the_rest_left_alone(db) {
        let mut vendors = parse(&example_plans());
        db.store.import(GUILD_A, &vendors, false).await.unwrap();
        let aws = vendors.iter_mut().find(|v| v.slug.as_str() == "aws").unwrap();
        aws.plan.as_mut().unwrap().tier = "Enterprise On-Ramp".into();
        let summary = db.store.import(GUILD_A, &vendors, false).await.unwrap();
        assert_eq!(slugs(&summary.updated), ["aws"]);
        assert_eq!(summary.unchanged.len(), vendors.len() - 1);
        let stored = db.store.vendor(GUILD_A, &VendorSlug::parse("aws").unwrap()).await.unwrap().unwrap();
        assert_eq!(stored.plan.unwrap().tier, "Enterprise On-Ramp");
    }
}

on_both_backends! {
    async fn vendors_missing_from_the_file_are_removed_only_with_prune(db) {
        let vendors = parse(&example_plans());
        db.store.import(GUILD_A, &vendors, false).await.unwrap();
        let fewer: Vec<_> = vendors.iter().filter(|v| v.slug.as_str() != "stripe").cloned().collect();

        let kept = db.store.import(GUILD_A, &fewer, false).await.unwrap();
        assert!(kept.removed.is_empty());
        assert_eq!(db.store.vendors(GUILD_A).await.unwrap().len(), vendors.len());

        let pruned = db.store.import(GUILD_A, &fewer, true).await.unwrap();
        assert_eq!(slugs(&pruned.removed), ["stripe"]);
        assert_eq!(db.store.vendors(GUILD_A).await.unwrap(), fewer);
    }
}

on_both_backends! {
    async fn each_guild_sees_only_its_own_vendors(db) {
        let all = parse(&example_plans());
        let (first, second): (Vec<_>, Vec<_>) = all.into_iter().partition(|v| v.slug.as_str() < "f");
        db.store.import(guild(111), &first, false).await.unwrap();
        db.store.import(guild(222), &second, false).await.unwrap();

        assert_eq!(db.store.vendors(guild(111)).await.unwrap(), first);
        assert_eq!(db.store.vendors(guild(222)).await.unwrap(), second);
        let summaries = db.store.vendor_summaries(guild(111)).await.unwrap();
        assert_eq!(summaries.len(), first.len());
        for vendor in &second {
            assert_eq!(db.store.vendor(guild(111), &vendor.slug).await.unwrap(), None);
        }
        // Pruning one guild never touches another.
        db.store.import(guild(111), &first[..1], true).await.unwrap();
        assert_eq!(db.store.vendors(guild(222)).await.unwrap(), second);
        assert!(db.store.vendors(GuildId::LOCAL).await.unwrap().is_empty());
    }
}

on_both_backends! {
    async fn export_import_export_gives_identical_text(db) {
        db.store.import(GUILD_A, &parse(&example_plans()), false).await.unwrap();
        let exported = plans_file::to_toml(&db.store.vendors(GUILD_A).await.unwrap()).unwrap();

        let fresh = crate::helpers::sqlite().await;
        fresh.store.import(GUILD_A, &parse(&exported), false).await.unwrap();
        let again = plans_file::to_toml(&fresh.store.vendors(GUILD_A).await.unwrap()).unwrap();
        assert_eq!(again, exported);
    }
}

on_both_backends! {
    async fn ping_answers_and_summaries_are_sorted_by_slug(db) {
        db.store.ping().await.unwrap();
        db.store.import(GUILD_A, &parse(&example_plans()), false).await.unwrap();
        let summaries = db.store.vendor_summaries(GUILD_A).await.unwrap();
        let slugs: Vec<&str> = summaries.iter().map(|s| s.slug.as_str()).collect();
        let mut sorted = slugs.clone();
        sorted.sort();
        assert_eq!(slugs, sorted);
        let aws = summaries.iter().find(|s| s.slug.as_str() == "aws").unwrap();
        assert!(aws.aliases.contains(&"amazon".to_owned()));
    }
}
