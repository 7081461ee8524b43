[ "héllo" "日本" "emoji 🎉" "\u" ]
