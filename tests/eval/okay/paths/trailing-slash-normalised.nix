./data/.
