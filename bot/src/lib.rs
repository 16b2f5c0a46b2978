//! medcab-bot
