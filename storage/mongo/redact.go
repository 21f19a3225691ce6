package mongo

import "net/url"

func connstringHost(uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", err
	}
	u.User = nil
	u.RawQuery = ""
	return u.String(), nil
}
