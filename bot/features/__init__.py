"""The bot's features, one package each: its model, its ports, its services and its chat
handlers with the routes they answer to. `bot.catalog` lists them."""
