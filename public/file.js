// A chosen file in the browser, for 'Gebruikers importeren': its bytes as
// base64url, which the portal's wasm sends to the server as they are
// (app/src/files.rs). The server reads the encoding, the separator and
// the rows; nothing here looks inside the file.
(() => {
  'use strict';
  const MAX_BYTES = 5 * 1024 * 1024;

  window.tweestapFile = {
    // The file chosen in the input with this id: null when none is chosen,
    // 'TooLarge' (rejected) above the server's limit, else base64url.
    async base64(id) {
      const input = document.getElementById(id);
      const file = input && input.files && input.files[0];
      if (!file) return null;
      if (file.size > MAX_BYTES) throw new Error('TooLarge');
      const bytes = new Uint8Array(await file.arrayBuffer());
      let raw = '';
      for (let i = 0; i < bytes.length; i += 0x8000) {
        raw += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      }
      return btoa(raw).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    },
  };
})();
