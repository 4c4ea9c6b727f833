//! `diwan citizen add`: record the mobile number on file for a national ID, as the civil
//! registry would, so that sign-in codes go to that number and nobody can claim the ID.

use anyhow::{Context, bail};
use diwan_domain::country::CountryRules;

use crate::config::Config;

pub async fn add(
    config: &Config,
    national_id: &str,
    phone: &str,
    today: time::Date,
    now_ms: i64,
) -> anyhow::Result<()> {
    let country_text = std::fs::read_to_string(&config.country)
        .with_context(|| format!("cannot read {}", config.country.display()))?;
    let country = CountryRules::from_toml(&country_text)?;
    let national_id = country
        .parse_national_id(national_id, today)
        .map_err(|e| anyhow::anyhow!("national ID: {}", e.message_en()))?;
    let phone = country
        .parse_mobile(phone)
        .map_err(|e| anyhow::anyhow!("phone: {}", e.message_en()))?;
    std::fs::create_dir_all(&config.data_dir)?;
    let store = crate::store::open(config.database.as_deref(), &config.data_dir, 2).await?;
    let id = format!("citizen-{}", now_ms);
    let user = store
        .upsert_citizen(&id, national_id.as_str(), phone.e164(), now_ms)
        .await?;
    if user.phone.as_deref() != Some(phone.e164()) {
        bail!(
            "this national ID is already registered with another number; change it through the registry's correction process"
        );
    }
    // NationalId's Debug form is already masked: the full number never reaches a terminal log.
    println!("citizen {national_id:?} registered with {}", phone.e164());
    Ok(())
}
