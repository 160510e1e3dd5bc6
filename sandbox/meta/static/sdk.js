/* waslack Meta simulator: a stand-in for https://connect.facebook.net/en_US/sdk.js.
 * It implements what Embedded Signup uses: FB.init, FB.login (code flow, popup), FB.getLoginStatus and
 * FB.logout, and calls window.fbAsyncInit() once loaded, like the real SDK. The popup is served by the
 * simulator at __SIM_ORIGIN__; it reports the code back through a private message this file listens for.
 */
(function () {
  'use strict';
  var SIM_ORIGIN = '__SIM_ORIGIN__';
  var SIGNUP_URL = SIM_ORIGIN + '/_sim/meta/signup';
  var CLOSED_GRACE_MS = 1000;
  if (window.FB && window.FB.__waslackSimulator) {
    return;
  }

  var settings = null;
  var pending = null; // {callback, popup, timer, done}

  function notConnected() {
    return { authResponse: null, status: 'unknown' };
  }

  function settle(response) {
    if (!pending || pending.done) {
      return;
    }
    var current = pending;
    current.done = true;
    if (current.timer) {
      clearInterval(current.timer);
    }
    pending = null;
    try {
      current.callback(response);
    } catch (err) {
      setTimeout(function () { throw err; }, 0);
    }
  }

  window.addEventListener('message', function (event) {
    if (event.origin !== SIM_ORIGIN || !pending) {
      return;
    }
    if (pending.popup && event.source && event.source !== pending.popup) {
      return;
    }
    if (typeof event.data !== 'string') {
      return;
    }
    var message;
    try {
      message = JSON.parse(event.data);
    } catch (err) {
      return;
    }
    if (!message || message.type !== 'SIM_FB_LOGIN_RESPONSE') {
      return;
    }
    if (!message.code) {
      settle(notConnected());
      return;
    }
    settle({
      status: 'connected',
      authResponse: {
        code: message.code,
        userID: message.user_id || null,
        expiresIn: message.expires_in,
        graphDomain: 'facebook',
        data_access_expiration_time: message.data_access_expiration_time || null
      }
    });
  });

  function init(options) {
    var opts = options || {};
    if (!opts.appId) {
      console.error('FB.init: appId is required');
      return;
    }
    settings = {
      appId: String(opts.appId),
      version: opts.version || '',
      xfbml: !!opts.xfbml,
      cookie: !!opts.cookie,
      autoLogAppEvents: !!opts.autoLogAppEvents
    };
  }

  function login(callback, options) {
    var cb = typeof callback === 'function' ? callback : function () {};
    if (!settings) {
      console.error('FB.login() called before FB.init().');
      return;
    }
    var opts = options || {};
    if (pending) {
      settle(notConnected());
    }
    var query = new URLSearchParams({
      app_id: settings.appId,
      version: settings.version,
      config_id: opts.config_id || '',
      response_type: opts.response_type || 'token',
      override_default_response_type: opts.override_default_response_type ? 'true' : 'false',
      extras: JSON.stringify(opts.extras || {}),
      origin: window.location.origin,
      display: 'popup'
    });
    var features = 'width=620,height=720,left=' + Math.max(0, (screen.width - 620) / 2) + ',top=80';
    var popup = window.open(SIGNUP_URL + '?' + query.toString(), 'waslack_meta_signup', features);
    pending = { callback: cb, popup: popup, timer: null, done: false };
    if (!popup) {
      settle(notConnected()); // popup blocked: the real SDK answers at once
      return;
    }
    var current = pending;
    current.timer = setInterval(function () {
      if (current.done || !current.popup.closed) {
        return;
      }
      clearInterval(current.timer);
      current.timer = null;
      // Give a message the popup posted just before closing the time to arrive.
      setTimeout(function () {
        if (pending === current) {
          settle(notConnected());
        }
      }, CLOSED_GRACE_MS);
    }, 300);
  }

  window.FB = {
    __waslackSimulator: true,
    init: init,
    login: login,
    getLoginStatus: function (callback) {
      if (typeof callback === 'function') {
        callback(notConnected());
      }
    },
    logout: function (callback) {
      if (typeof callback === 'function') {
        callback(notConnected());
      }
    },
    AppEvents: { logPageView: function () {} },
    XFBML: { parse: function () {} }
  };

  if (typeof window.fbAsyncInit === 'function') {
    window.fbAsyncInit();
  }
})();
