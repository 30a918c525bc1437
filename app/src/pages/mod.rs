//! One module per screen.

pub mod access_keys;
pub mod admin_products;
pub mod admin_settings;
pub mod admin_teams;
pub mod admin_users;
pub mod board;
pub mod calendar_feed;
pub mod campaigns;
pub mod compliance;
pub mod duplicates;
pub mod home;
pub mod import;
pub mod lazy;
pub mod lead;
pub mod leaderboard;
pub mod new_lead;
pub mod not_found;
pub mod people;
pub mod policy;
pub mod quote;
pub mod review;
pub mod roi;
pub mod routing;
pub mod signin;
pub mod today;
pub mod wall;
